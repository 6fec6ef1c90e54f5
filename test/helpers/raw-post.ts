/** A POST with full control of the headers and of how much body is really sent (size-cap tests). */
import { request } from 'node:http';

export function rawPost(url: string, opts: { headers: Record<string, string | number>; chunks: Iterable<Buffer> }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: opts.headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    // The server may close the socket after an early answer; a write error then rejects.
    req.on('error', reject);
    void (async () => {
      for (const c of opts.chunks) {
        if (req.destroyed) return;
        if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => undefined);
  });
}
