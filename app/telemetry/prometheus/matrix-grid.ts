import type { MatrixSeries } from './api.js';

/**
 * A range query's series as a grid: values[i] is the sample at start + i × step, NaN where the
 * step has no sample. A sample's string is read with Number() as the pair-array path does, so
 * "NaN" and "+Inf" (Number("+Inf") is NaN) also read as NaN: callers treat NaN as "no sample".
 */
export interface GridSeries {
  metric: Record<string, string>;
  values: Float64Array;
}

/** Steps of the grid start, start + step, ... <= end (Prometheus evaluates the same instants). */
export function gridLength(start: number, end: number, step: number): number {
  return Math.max(0, Math.floor((end - start) / step + 1e-9) + 1);
}

/** The reference conversion of parsed series (the JSON.parse + zod path) to grids. */
export function gridOf(series: MatrixSeries[], start: number, step: number, n: number): GridSeries[] {
  return series.map((s) => {
    const values = new Float64Array(n).fill(Number.NaN);
    for (const [t, v] of s.values) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) values[i] = Number(v);
    }
    return { metric: s.metric, values };
  });
}

export interface ScannedMatrix {
  series: GridSeries[];
  warnings: string[];
}

/**
 * The fast path for a query_range reply: a scanner that writes each `[t, "v"]` pair straight into
 * a Float64Array instead of building an array, a string and a number per pair (JSON.parse plus GC
 * was most of SLO-Scout's own CPU in the alert replay, issue 11 §7; see bench/decode.ts).
 *
 * It is strict: it accepts exactly `{"status":"success","data":{"resultType":"matrix","result":
 * [{"metric":{...},"values":[[t,"v"],...]}, ...]}[,"warnings":[...]][,"infos":[...]]}` (keys in any
 * order, each once, JSON whitespace anywhere) and returns undefined on anything else: an error
 * reply, another result type, an unknown key, an escape inside a sample's string, invalid JSON.
 * The caller then takes the JSON.parse + zod path, which decodes the same grids or names the problem.
 * More than `maxSeries` series is also left to that path (a grid costs 8 bytes a step even for a
 * series of one sample, so the caller caps series × steps; see PrometheusClient.queryRangeGrid).
 *
 * Hand-written because no installed library decodes JSON into typed arrays, and streaming JSON
 * parsers from npm are slower than JSON.parse (they still build a token or value per pair).
 * Numbers: a timestamp of plain digits (<= 15 of them) is summed digit by digit, exact; any other
 * timestamp and every value string goes through Number() on the text, so results equal the JSON.parse path.
 */
export function scanMatrixGrid(text: string, start: number, step: number, n: number, maxSeries = Infinity): ScannedMatrix | undefined {
  const sc = new Scanner(text, start, step, n, maxSeries);
  try {
    return sc.reply() ? { series: sc.series, warnings: sc.warnings } : undefined;
  } catch (err) {
    // Only a mismatch in the scanner's own logic lands here (e.g. a RangeError on a huge grid): the general path decides.
    if (err instanceof RangeError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const HEX = /^[0-9a-fA-F]{4}$/;

class Scanner {
  p = 0;
  readonly series: GridSeries[] = [];
  warnings: string[] = [];

  constructor(private readonly s: string, private readonly start: number, private readonly step: number, private readonly n: number, private readonly maxSeries: number) {}

  private ws(): void {
    const s = this.s;
    let p = this.p;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.p = p;
  }

  /** Skips whitespace, then consumes `c` if it is next. */
  private eat(c: number): boolean {
    this.ws();
    if (this.s.charCodeAt(this.p) !== c) return false;
    this.p++;
    return true;
  }

  /**
   * A JSON string at p (after whitespace); returns the index after its closing quote, or -1.
   * `escapes` false: a backslash is a mismatch (sample strings and keys are then the raw text).
   */
  private stringEnd(escapes: boolean): number {
    this.ws();
    const s = this.s;
    let p = this.p;
    if (s.charCodeAt(p) !== QUOTE) return -1;
    p++;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === QUOTE) return p + 1;
      if (Number.isNaN(c) || c < 0x20) return -1; // end of text, or a raw control character JSON forbids
      if (c === BACKSLASH) {
        if (!escapes) return -1;
        const e = s.charCodeAt(p + 1);
        if (e === 0x75 /* u */) {
          if (!HEX.test(s.slice(p + 2, p + 6))) return -1;
          p += 6;
          continue;
        }
        // \" \\ \/ \b \f \n \r \t
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
        p += 2;
        continue;
      }
      p++;
    }
  }

  /** An object key without escapes (the envelope's keys are plain words), then its colon. */
  private key(): string | undefined {
    this.ws();
    const from = this.p + 1;
    const end = this.stringEnd(false);
    if (end < 0) return undefined;
    this.p = end;
    if (!this.eat(COLON)) return undefined;
    return this.s.slice(from, end - 1);
  }

  /** `{ key: value, ... }` with each key's value read by `member`; false on any mismatch. */
  private object(member: (key: string) => boolean): boolean {
    if (!this.eat(LBRACE)) return false;
    if (this.eat(RBRACE)) return true;
    for (;;) {
      const k = this.key();
      if (k === undefined || !member(k)) return false;
      if (this.eat(COMMA)) continue;
      return this.eat(RBRACE);
    }
  }

  reply(): boolean {
    let status = false;
    let data = false;
    let warnings = false;
    let infos = false;
    const ok = this.object((k) => {
      if (k === 'status' && !status) return (status = this.literal('success'));
      if (k === 'data' && !data) return (data = this.data());
      if (k === 'warnings' && !warnings) {
        const w = this.strings();
        if (!w) return false;
        this.warnings = w;
        return (warnings = true);
      }
      if (k === 'infos' && !infos) return (infos = this.strings() !== undefined);
      return false;
    });
    this.ws();
    return ok && status && data && this.p === this.s.length;
  }

  /** A string equal to `want` (no escapes). */
  private literal(want: string): boolean {
    this.ws();
    const from = this.p + 1;
    const end = this.stringEnd(false);
    if (end < 0 || this.s.slice(from, end - 1) !== want) return false;
    this.p = end;
    return true;
  }

  /** `["...", ...]`: Prometheus' warnings and infos, decoded by JSON.parse on their span. */
  private strings(): string[] | undefined {
    this.ws();
    const from = this.p;
    if (!this.eat(LBRACKET)) return undefined;
    if (!this.eat(RBRACKET)) {
      for (;;) {
        const end = this.stringEnd(true);
        if (end < 0) return undefined;
        this.p = end;
        if (this.eat(COMMA)) continue;
        if (!this.eat(RBRACKET)) return undefined;
        break;
      }
    }
    return JSON.parse(this.s.slice(from, this.p)) as string[];
  }

  private data(): boolean {
    let type = false;
    let result = false;
    return this.object((k) => {
      if (k === 'resultType' && !type) return (type = this.literal('matrix'));
      if (k === 'result' && !result) return (result = this.result());
      return false;
    }) && type && result;
  }

  private result(): boolean {
    if (!this.eat(LBRACKET)) return false;
    if (this.eat(RBRACKET)) return true;
    for (;;) {
      if (!this.oneSeries()) return false;
      if (this.eat(COMMA)) continue;
      return this.eat(RBRACKET);
    }
  }

  private oneSeries(): boolean {
    // Over the caller's cap of grid cells: the general path counts the series and names the problem.
    if (this.series.length >= this.maxSeries) return false;
    let metric: Record<string, string> | undefined;
    let values: Float64Array | undefined;
    const ok = this.object((k) => {
      if (k === 'metric' && !metric) return (metric = this.labels()) !== undefined;
      if (k === 'values' && !values) return (values = this.pairs()) !== undefined;
      return false;
    });
    if (!ok || !metric || !values) return false;
    this.series.push({ metric, values });
    return true;
  }

  /** `{"name": "value", ...}`: checked here, decoded by JSON.parse on its span (escapes, \u00e9). */
  private labels(): Record<string, string> | undefined {
    this.ws();
    const from = this.p;
    if (!this.eat(LBRACE)) return undefined;
    if (!this.eat(RBRACE)) {
      for (;;) {
        const keyEnd = this.stringEnd(true);
        if (keyEnd < 0) return undefined;
        this.p = keyEnd;
        if (!this.eat(COLON)) return undefined;
        const valueEnd = this.stringEnd(true);
        if (valueEnd < 0) return undefined;
        this.p = valueEnd;
        if (this.eat(COMMA)) continue;
        if (!this.eat(RBRACE)) return undefined;
        break;
      }
    }
    const labels = JSON.parse(this.s.slice(from, this.p)) as Record<string, string>;
    // zod's record drops a "__proto__" key; leave that (hostile) case to the general path so both agree.
    if (Object.hasOwn(labels, '__proto__')) return undefined;
    return labels;
  }

  /** `[[t, "v"], ...]` written into a fresh grid. */
  private pairs(): Float64Array | undefined {
    const { s, start, step, n } = this;
    const grid = new Float64Array(n).fill(Number.NaN);
    if (!this.eat(LBRACKET)) return undefined;
    if (this.eat(RBRACKET)) return grid;
    for (;;) {
      if (!this.eat(LBRACKET)) return undefined;
      this.ws();
      const t = this.number();
      if (Number.isNaN(t) || !this.eat(COMMA)) return undefined;
      this.ws();
      const from = this.p + 1;
      const end = this.stringEnd(false);
      if (end < 0) return undefined;
      this.p = end;
      if (!this.eat(RBRACKET)) return undefined;
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) grid[i] = decimal(s, from, end - 1);
      if (this.eat(COMMA)) continue;
      return this.eat(RBRACKET) ? grid : undefined;
    }
  }

  /** A JSON number at p (strict grammar); NaN on a mismatch. */
  private number(): number {
    const s = this.s;
    const from = this.p;
    let p = from;
    let c = s.charCodeAt(p);
    let simple = true;
    if (c === MINUS) {
      simple = false;
      c = s.charCodeAt(++p);
    }
    if (c === ZERO) c = s.charCodeAt(++p);
    else if (c > ZERO && c <= NINE) {
      let t = 0;
      while (c >= ZERO && c <= NINE) {
        t = t * 10 + (c - ZERO);
        c = s.charCodeAt(++p);
      }
      if (simple && c !== DOT && c !== 0x65 && c !== 0x45 && p - from <= 15) {
        this.p = p;
        return t; // < 10^15 < 2^53: every step of the sum is exact
      }
    } else return Number.NaN;
    if (c === DOT) {
      c = s.charCodeAt(++p);
      if (!(c >= ZERO && c <= NINE)) return Number.NaN;
      while (c >= ZERO && c <= NINE) c = s.charCodeAt(++p);
    }
    if (c === 0x65 || c === 0x45) {
      c = s.charCodeAt(++p);
      if (c === PLUS || c === MINUS) c = s.charCodeAt(++p);
      if (!(c >= ZERO && c <= NINE)) return Number.NaN;
      while (c >= ZERO && c <= NINE) c = s.charCodeAt(++p);
    }
    this.p = p;
    return Number(s.slice(from, p));
  }
}

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Number(s.slice(from, to)), without the slice for the common `-?digits[.digits]` text of at most
 * 15 digits: m / 10^f with m < 10^15 < 2^53 and 10^f exact (f <= 15 <= 22) is one correctly rounded
 * division of two exact doubles, hence the double nearest the decimal, which is what Number() returns.
 */
function decimal(s: string, from: number, to: number): number {
  let p = from;
  let neg = false;
  if (s.charCodeAt(p) === MINUS) {
    neg = true;
    p++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; p < to; p++) {
    const c = s.charCodeAt(p);
    if (c >= ZERO && c <= NINE) {
      if (++digits > 15) return Number(s.slice(from, to)); // the usual 16-17 digits of a rate: no need to read on
      m = m * 10 + (c - ZERO);
    } else if (c === DOT && frac < 0 && digits > 0) frac = p;
    else return Number(s.slice(from, to));
  }
  const f = frac < 0 ? 0 : to - frac - 1;
  if (digits === 0 || (frac >= 0 && f === 0)) return Number(s.slice(from, to));
  const x = m / POW10[f]!;
  return neg ? -x : x;
}
