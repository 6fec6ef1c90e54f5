#!/usr/bin/python3
"""
Makes test/fixtures/models/tiny-bert: a 2-layer BERT with RANDOM weights (seeded) exported to ONNX,
plus a WordPiece tokenizer.json, in the layout @huggingface/transformers loads from a local folder
(config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). It lets the tests run the
real local-provider code path (tokenise -> ONNX Runtime on the CPU -> mean pooling -> normalise)
without downloading a real model. Its vectors carry no meaning.

Needs Debian's python3-torch and python3-onnx (not needed in CI: the output is committed):
    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 scripts/make-tiny-model.py
"""
import json
import math
import os

import torch
from torch import nn

HIDDEN, LAYERS, HEADS, INTERMEDIATE, MAX_POS = 32, 2, 2, 64, 128
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'models', 'tiny-bert')

# A small WordPiece vocabulary: specials, characters (word-initial and ## continuation), and words
# common in service and route names so they tokenise to one piece.
WORDS = """
api v1 v2 v3 get post put patch delete user users account accounts order orders pay payment payments
charge charges refund refunds checkout cart item items product products search login logout auth token
session sessions admin report reports export exports internal debug health metrics status id me list
create update new service services invoice invoices billing subscription card cards transfer wallet
balance ledger stock inventory shipping ship label review reviews recommend notification notifications
message messages send event events file files upload download block received receiving packet request
response error failed connection closed open socket client server proxy instance vm network compute
""".split()
SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
CHARS = list('abcdefghijklmnopqrstuvwxyz0123456789')
PUNCT = list('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
vocab = SPECIALS + PUNCT + CHARS + ['##' + c for c in CHARS] + sorted(set(WORDS) - set(CHARS))
VOCAB = {t: i for i, t in enumerate(vocab)}


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.out = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ff1 = nn.Linear(HIDDEN, INTERMEDIATE)
        self.ff2 = nn.Linear(INTERMEDIATE, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x, bias):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        x = self.ln1(x + self.out(y))
        return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))


class TinyBert(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(len(vocab), HIDDEN)
        self.positions = nn.Embedding(MAX_POS, HIDDEN)
        self.types = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        pos = torch.arange(t, dtype=torch.long).unsqueeze(0)
        x = self.ln(self.words(input_ids) + self.positions(pos) + self.types(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


def main():
    torch.manual_seed(15)
    model = TinyBert().eval()
    os.makedirs(os.path.join(OUT, 'onnx'), exist_ok=True)
    ids = torch.tensor([[2, 50, 60, 3], [2, 51, 3, 0]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    types = torch.zeros_like(ids)
    torch.onnx.export(
        model, (ids, mask, types), os.path.join(OUT, 'onnx', 'model.onnx'),
        input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['last_hidden_state'],
        dynamic_axes={n: {0: 'batch', 1: 'sequence'} for n in ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']},
        opset_version=14,
    )
    config = {
        'model_type': 'bert', 'architectures': ['BertModel'], 'hidden_size': HIDDEN, 'num_hidden_layers': LAYERS,
        'num_attention_heads': HEADS, 'intermediate_size': INTERMEDIATE, 'max_position_embeddings': MAX_POS,
        'vocab_size': len(vocab), 'type_vocab_size': 2, 'pad_token_id': 0,
    }
    tokenizer = {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': VOCAB[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for t in SPECIALS],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}},
                     {'Sequence': {'id': 'B', 'type_id': 1}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
            'special_tokens': {t: {'id': t, 'ids': [VOCAB[t]], 'tokens': [t]} for t in ['[CLS]', '[SEP]']},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': VOCAB},
    }
    tokenizer_config = {
        'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': MAX_POS,
        'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]',
    }
    for name, obj in [('config.json', config), ('tokenizer.json', tokenizer), ('tokenizer_config.json', tokenizer_config)]:
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(obj, f, indent=1, sort_keys=True)
            f.write('\n')
    # Reference vectors for the test: mean pooling over the mask, then L2 norm, computed here in torch.
    with torch.no_grad():
        h = model(ids, mask, types)
        m = mask.unsqueeze(-1).to(torch.float32)
        pooled = (h * m).sum(1) / m.sum(1)
        pooled = pooled / pooled.norm(dim=1, keepdim=True)
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'pooled': [[round(x, 6) for x in row] for row in pooled.tolist()]}, f)
        f.write('\n')


if __name__ == '__main__':
    main()
