// Named handler lists: add a handler under a key, call every handler of a
// key. A handler that throws is logged and the others still run, so one
// broken view cannot stop a page from hearing the box.

/**
 * @returns {{on: (key: string, fn: Function) => () => void, emit: (key: string, ...args: any[]) => void}}
 */
export function emitter() {
  /** @type {Map<string, Set<Function>>} */
  const handlers = new Map();
  return {
    /** on adds fn under key and returns the function that removes it. */
    on(key, fn) {
      let set = handlers.get(key);
      if (!set) handlers.set(key, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    /** emit calls every handler of key with args (a copy: handlers may remove themselves). */
    emit(key, ...args) {
      const set = handlers.get(key);
      if (set) for (const fn of [...set]) safe(fn, ...args);
    },
  };
}

/** safe calls fn and logs, rather than throws, what it throws. */
export function safe(fn, ...args) {
  try {
    fn(...args);
  } catch (err) {
    console.error('realtime handler failed', err);
  }
}
