/** One turn of the event loop, from a request's point of view: it has ended once `ended` is true. */
export interface Turn {
  readonly ended: Promise<void>;
  readonly hasEnded: boolean;
}

/**
 * Replies produced in one turn of the event loop leave together, at the end of that turn.
 *
 * Node writes each reply at once, one system call per socket. Over loopback (a sidecar, a load
 * balancer on the host, the bench) the kernel delivers it to the reader inside that call, and
 * wakes the reader if it sleeps: a thread switch and, in a virtual machine, an interrupt between
 * cores. Holding the replies until `setImmediate`, after every request that arrived in this turn
 * has been served, sends the same bytes in the same number of calls, but back to back, so the
 * reader wakes once for the lot. No reply waits longer than the rest of the turn that produced it.
 *
 * A request takes the current turn when it arrives. A reply that is ready before that turn has
 * ended (the memory store answers in the same turn) waits for its end; one that is ready later
 * (the SQLite group commit answers its whole group in one callback) goes at once.
 */
export function turns(): () => Turn {
  let current: { ended: Promise<void>; hasEnded: boolean } | undefined;
  return () => {
    if (current === undefined) {
      let end!: () => void;
      const turn = { ended: new Promise<void>((resolve) => (end = resolve)), hasEnded: false };
      setImmediate(() => {
        turn.hasEnded = true;
        current = undefined;
        end();
      });
      current = turn;
    }
    return current;
  };
}
