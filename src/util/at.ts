/**
 * Index access for places where the code itself guarantees the element exists (a loop over the same
 * array, a length checked just above). Under `noUncheckedIndexedAccess` `items[i]` is `T | undefined`;
 * `at` says "this cannot be missing" and, if it ever is, fails as an efflint bug (a plain Error, which the
 * CLI prints as an internal error with "please report"), never as a silent `undefined`.
 *
 * Where the index comes from the model (a node's inputs, an attribute list, a dim), a missing element is
 * the model's fault: check it and throw OpSpecError / InvalidModelError instead.
 */
export function at<T>(items: ArrayLike<T>, index: number): T {
  const value = items[index];
  if (value === undefined) {
    throw new Error(`index ${index} is outside a sequence of length ${items.length}`);
  }
  return value;
}

/** The value a map holds for `key`, when the code guarantees it was set (see `at`). */
export function mapGet<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`no entry for key ${String(key).slice(0, 80)}`);
  return value;
}
