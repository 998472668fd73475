import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FuzzCase } from './client-cases.ts';
import { readResponses, type ReadResponses } from './responses.ts';

/** What one client connection saw. */
export interface CaseOutcome {
  readonly read: ReadResponses;
  /** The gateway closed the connection (or it errored) before the deadline. */
  readonly closed: boolean;
  /** Neither every answer nor a close came before the deadline. */
  readonly hung: boolean;
  readonly elapsedMs: number;
}

const MAX_READ_BYTES = 4 * 1024 * 1024;

/**
 * Plays one case on a fresh connection to `url`: writes its requests (pipelined, in pieces when the case says
 * so), then reads until every request has an answer, the gateway closes, or `deadlineMs` passes.
 */
export function runCase(url: string, fuzzCase: FuzzCase, deadlineMs: number): Promise<CaseOutcome> {
  const { hostname, port } = new URL(url);
  const methods = fuzzCase.requests.map((r) => r.method);
  const payload = Buffer.concat(fuzzCase.requests.map((r) => r.bytes));
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let raw = '';
    let settled = false;
    const finish = (closed: boolean, hung: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve({ read: readResponses(raw, methods, closed), closed, hung, elapsedMs: performance.now() - startedAt });
    };
    const deadline = setTimeout(() => finish(false, fuzzCase.ending !== 'destroy'), deadlineMs);
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (raw.length > MAX_READ_BYTES) return finish(false, false);
      const read = readResponses(raw, methods, false);
      const answered = read.responses.filter((r) => r.complete).length;
      if (read.garbage !== undefined || read.switched || answered >= fuzzCase.requests.length) finish(false, false);
    });
    socket.once('connect', async () => {
      const pieceSize = Math.ceil(payload.length / fuzzCase.pieces);
      for (let at = 0; at < payload.length && !socket.destroyed; at += pieceSize) {
        socket.write(payload.subarray(at, at + pieceSize));
        if (fuzzCase.gapMs > 0 && at + pieceSize < payload.length) await sleep(fuzzCase.gapMs);
      }
      if (socket.destroyed) return;
      if (fuzzCase.ending === 'end') socket.end();
      if (fuzzCase.ending === 'destroy') setTimeout(() => finish(false, false), fuzzCase.destroyAfterMs);
    });
  });
}
