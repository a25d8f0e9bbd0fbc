/**
 * The reference's "but" rule, quirk included. Sentiments before the first "but" are halved and
 * those after it are multiplied by 1.5, but the reference finds each element with
 * `sentiments.index(value)`, i.e. it rescales the FIRST element currently equal to the value it is
 * visiting. With repeated values that rescales an earlier element again and leaves the later one
 * alone ("good good but good" is not simply ½, ½, 1.5). We reproduce that exactly; the reference's
 * list search makes it quadratic, so long inputs use a min-heap of positions per value instead,
 * which finds the same first position in logarithmic time.
 */

/** Work units (comparisons, heap steps) of the last calls, for complexity tests. */
export const butShiftWork = { steps: 0 };

/** Below this many sentiments the direct search is cheaper than building heaps. */
const DIRECT_LIMIT = 48;

/** Applies the rule in place to `sentiments[0..count)`, given the index of the first "but". */
export function applyButShift(sentiments: Float64Array, count: number, butIndex: number): void {
  if (count <= DIRECT_LIMIT) applyDirect(sentiments, count, butIndex);
  else applyWithHeaps(sentiments, count, butIndex);
}

function rescaled(value: number, position: number, butIndex: number): number {
  if (position < butIndex) return value * 0.5;
  if (position > butIndex) return value * 1.5;
  return value;
}

function applyDirect(sentiments: Float64Array, count: number, butIndex: number): void {
  let steps = 0;
  for (let k = 0; k < count; k++) {
    const value = sentiments[k]!;
    // Rescaling zero changes nothing (not even its sign), so zeros can be skipped.
    if (value === 0) continue;
    let first = 0;
    while (sentiments[first] !== value) first++;
    steps += first + 1;
    sentiments[first] = rescaled(value, first, butIndex);
  }
  butShiftWork.steps += steps + count;
}

function applyWithHeaps(sentiments: Float64Array, count: number, butIndex: number): void {
  let steps = 0;
  // value → min-heap of the positions currently holding that value. Map keys compare like
  // Python's == for these values (no NaN; -0 and 0 are one key, and zeros are skipped anyway).
  const positions = new Map<number, number[]>();
  for (let p = 0; p < count; p++) {
    const value = sentiments[p]!;
    if (value === 0) continue;
    const heap = positions.get(value);
    if (heap === undefined) positions.set(value, [p]);
    else heap.push(p); // ascending pushes keep the heap property
  }
  for (let k = 0; k < count; k++) {
    const value = sentiments[k]!;
    if (value === 0) continue;
    const heap = positions.get(value)!;
    const first = heap[0]!;
    steps += popMin(heap);
    const next = rescaled(value, first, butIndex);
    if (next === value) {
      // Only at the "but" position itself: put it back.
      steps += pushHeap(heap, first);
      continue;
    }
    sentiments[first] = next;
    const target = positions.get(next);
    if (target === undefined) positions.set(next, [first]);
    else steps += pushHeap(target, first);
  }
  butShiftWork.steps += steps + count;
}

/** Removes the smallest position; returns the steps taken. */
function popMin(heap: number[]): number {
  const last = heap.pop()!;
  const size = heap.length;
  if (size === 0) return 1;
  let steps = 1;
  let i = 0;
  while (true) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && heap[right]! < heap[left]! ? right : left;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
    steps++;
  }
  heap[i] = last;
  return steps;
}

/** Adds a position; returns the steps taken. */
function pushHeap(heap: number[], position: number): number {
  let i = heap.length;
  heap.push(position);
  let steps = 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= position) break;
    heap[i] = heap[parent]!;
    i = parent;
    steps++;
  }
  heap[i] = position;
  return steps;
}
