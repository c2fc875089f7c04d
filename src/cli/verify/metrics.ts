/*
 * Comparison metrics of `npulens verify`: per image (cosine, max |Δ|, top-1/top-5 agreement) and their summary.
 *
 * What is compared: the mean-centred log-scores of each side, z = log(s) − mean(log(s)), where s are the class
 * scores after the model's post-processing (softmax for logits models). For a logits model z equals the
 * mean-centred logits exactly: softmax is shift-invariant, so a classifier's scores determine its logits only up to
 * a constant per image, and our runtime exposes scores, not raw logits. Centring both sides removes that constant
 * (the cosine is then the Pearson correlation of the logits).
 */

/** Smallest positive float32: a score that underflowed to 0 becomes log(1.4e-45) ≈ −103.3 instead of −∞. */
const MIN_SCORE = 1.401298464324817e-45;

/** values[i]; an index past the end is a caller's bug (the vectors compared have one length), not a value. */
function at(values: ArrayLike<number>, i: number): number {
  const v = values[i];
  if (v === undefined) throw new RangeError(`index ${i} is outside a vector of ${values.length} values`);
  return v;
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`vectors of different lengths: ${a.length} and ${b.length}`);
}

/** z from post-processed class scores (probabilities). */
export function centredLogScores(scores: ArrayLike<number>): Float64Array {
  const z = new Float64Array(scores.length);
  for (let i = 0; i < z.length; i++) z[i] = Math.log(Math.max(at(scores, i), MIN_SCORE));
  return centre(z);
}

/** z from raw logits (what a logits model outputs before softmax). */
export function centredLogits(logits: ArrayLike<number>): Float64Array {
  return centre(Float64Array.from(logits));
}

function centre(z: Float64Array): Float64Array {
  let mean = 0;
  for (const v of z) mean += v;
  mean /= z.length;
  for (let i = 0; i < z.length; i++) z[i] -= mean;
  return z;
}

/** Cosine similarity; 1 when both vectors are zero (identical constant scores), 0 when only one is. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, b);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = at(a, i), y = at(b, i);
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  // Rounding can push |cos| a hair above 1 for identical vectors.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(at(a, i) - at(b, i)));
  return m;
}

/** Class indices of the k highest values, highest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((x, y) => at(values, y) - at(values, x) || x - y);
  return idx.slice(0, Math.min(k, values.length));
}

export interface ImageComparison {
  image: string;
  cosine: number;
  maxAbsError: number;
  /** Top-1 class index of each side. */
  top1: { reference: number; candidate: number };
  top1Agree: boolean;
  /** The top-5 classes of both sides are the same set (order ignored); top-k with k = classes when fewer. */
  top5Agree: boolean;
}

export function compareImage(image: string, reference: Float64Array, candidate: Float64Array): ImageComparison {
  const k = Math.min(5, reference.length);
  const refTop = topK(reference, k);
  const candTop = topK(candidate, k);
  const [refTop1] = refTop, [candTop1] = candTop;
  if (refTop1 === undefined || candTop1 === undefined) throw new RangeError(`${image}: no class scores to compare`);
  const candSet = new Set(candTop);
  return {
    image,
    cosine: cosine(reference, candidate),
    maxAbsError: maxAbsDiff(reference, candidate),
    top1: { reference: refTop1, candidate: candTop1 },
    top1Agree: refTop1 === candTop1,
    top5Agree: refTop.every((c) => candSet.has(c)),
  };
}

export interface Summary {
  images: number;
  cosine: { mean: number; min: number };
  /** The per-image threshold the share refers to (--min-cosine). */
  cosineThreshold: number;
  /** Images with cosine < cosineThreshold. */
  imagesBelowThreshold: number;
  /** Share of images with cosine ≥ cosineThreshold, in [0, 1]. */
  shareAtOrAboveThreshold: number;
  /** Shares of images, in [0, 1]. */
  top1Agreement: number;
  top5Agreement: number;
  /** Largest |Δz| over every class of every image. */
  maxAbsError: number;
}

export function summarize(rows: ImageComparison[], cosineThreshold: number): Summary {
  const n = rows.length;
  const share = (pred: (r: ImageComparison) => boolean): number => rows.filter(pred).length / n;
  return {
    images: n,
    cosine: {
      mean: rows.reduce((s, r) => s + r.cosine, 0) / n,
      min: Math.min(...rows.map((r) => r.cosine)),
    },
    cosineThreshold,
    imagesBelowThreshold: rows.filter((r) => r.cosine < cosineThreshold).length,
    shareAtOrAboveThreshold: share((r) => r.cosine >= cosineThreshold),
    top1Agreement: share((r) => r.top1Agree),
    top5Agreement: share((r) => r.top5Agree),
    maxAbsError: Math.max(...rows.map((r) => r.maxAbsError)),
  };
}

export interface Thresholds {
  /** Per-image cosine threshold. */
  minCosine: number;
  /** Share of images that must reach minCosine (1 = every image). */
  minShare: number;
  minTop1?: number;
  minTop5?: number;
  maxAbs?: number;
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/0+$/, ''));

/** One sentence per threshold the summary misses, saying by how much; empty when everything passes. */
export function checkThresholds(s: Summary, t: Thresholds): string[] {
  const failures: string[] = [];
  if (s.shareAtOrAboveThreshold < t.minShare) {
    failures.push(`cosine: ${s.imagesBelowThreshold} of ${s.images} images below --min-cosine ${num(t.minCosine)} ` +
      `(${pct(s.shareAtOrAboveThreshold)} at or above, --min-share needs ${pct(t.minShare)}; ` +
      `lowest ${s.cosine.min.toFixed(6)}, short by ${(t.minCosine - s.cosine.min).toExponential(2)})`);
  }
  if (t.minTop1 !== undefined && s.top1Agreement < t.minTop1) {
    failures.push(`top-1 agreement ${pct(s.top1Agreement)} < --min-top1 ${pct(t.minTop1)} ` +
      `(short by ${((t.minTop1 - s.top1Agreement) * 100).toFixed(2)} points)`);
  }
  if (t.minTop5 !== undefined && s.top5Agreement < t.minTop5) {
    failures.push(`top-5 agreement ${pct(s.top5Agreement)} < --min-top5 ${pct(t.minTop5)} ` +
      `(short by ${((t.minTop5 - s.top5Agreement) * 100).toFixed(2)} points)`);
  }
  if (t.maxAbs !== undefined && s.maxAbsError > t.maxAbs) {
    failures.push(`max abs error ${s.maxAbsError.toExponential(3)} > --max-abs ${num(t.maxAbs)} ` +
      `(over by ${(s.maxAbsError - t.maxAbs).toExponential(3)})`);
  }
  return failures;
}
