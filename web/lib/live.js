// One live collection for every app: objects by id, loaded over REST and
// kept current from realtime events, merged by the event log's seq. A REST
// list carries the newest seq in X-Seq and holds everything up to it; an
// event carries its own seq. Whatever is older than what the collection
// already holds is ignored, so a replayed event never undoes a newer
// state, and a snapshot never undoes an event that came after it.

/**
 * @template {{id: number}} T
 */
export class Live {
  /**
   * @param {(item: T) => boolean} [keep] whether an object belongs in the
   *   collection (an order that is paid leaves the active list); one that
   *   does not is remembered only by its seq, so an older event cannot bring
   *   it back
   */
  constructor(keep = () => true) {
    this.keep = keep;
    /** @type {Map<number, {item: T|null, seq: number}>} */
    this.map = new Map();
    /** The seq of the newest snapshot: every event up to it is in it. */
    this.floor = 0;
  }

  /** @param {number} id @returns {T|undefined} */
  get(id) {
    return this.map.get(id)?.item ?? undefined;
  }

  /** @param {number} id */
  has(id) {
    return Boolean(this.map.get(id)?.item);
  }

  /** @returns {IterableIterator<T>} */
  *values() {
    for (const e of this.map.values()) if (e.item) yield e.item;
  }

  get size() {
    let n = 0;
    for (const e of this.map.values()) if (e.item) n++;
    return n;
  }

  /**
   * stale tells whether an event at seq says nothing newer about id.
   * @param {number} id
   * @param {number} [seq] undefined for a REST answer, which is never stale
   */
  stale(id, seq) {
    if (typeof seq !== 'number') return false;
    const e = this.map.get(id);
    return seq <= (e ? e.seq : this.floor);
  }

  /**
   * put applies an event's object (seq from the event) or a REST answer
   * (seq undefined: applied at once, the event that follows confirms it).
   * Returns false, changing nothing, when the object is stale.
   * @param {T} item
   * @param {number} [seq]
   */
  put(item, seq) {
    if (!item || typeof item.id !== 'number' || this.stale(item.id, seq)) return false;
    const e = this.map.get(item.id);
    const at = typeof seq === 'number' ? seq : e ? e.seq : this.floor;
    this.map.set(item.id, { item: this.keep(item) ? item : null, seq: at });
    return true;
  }

  /**
   * snapshot merges a REST list taken at seq: objects an event already
   * updated past it stay; objects missing from it leave unless an event
   * newer than it brought them. Without a seq the list replaces everything.
   * @param {T[]} list
   * @param {number} [seq]
   */
  snapshot(list, seq) {
    if (typeof seq !== 'number') {
      this.map.clear();
      for (const item of list) this.map.set(item.id, { item: this.keep(item) ? item : null, seq: this.floor });
      return;
    }
    const fresh = new Set();
    for (const item of list) {
      fresh.add(item.id);
      const e = this.map.get(item.id);
      if (e && e.seq > seq) continue;
      this.map.set(item.id, { item: this.keep(item) ? item : null, seq });
    }
    for (const [id, e] of this.map) if (!fresh.has(id) && e.seq <= seq) this.map.delete(id);
    if (seq > this.floor) this.floor = seq;
  }

  /** forgetSeqs drops every seq held: after an epoch change they name events of a log that is gone. */
  forgetSeqs() {
    this.floor = 0;
    for (const e of this.map.values()) e.seq = 0;
  }

  clear() {
    this.map.clear();
    this.floor = 0;
  }
}
