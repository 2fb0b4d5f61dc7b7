import { randomBytes } from 'node:crypto';

// The provider's wire formats: xid task ids and Go-style RFC 3339 timestamps.

const XID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const machineAndProcess = randomBytes(5);
let xidCounter = randomBytes(3).readUIntBE(0, 3);

/**
 * A task id in the xid format the provider uses: 12 bytes (4 of creation second, 3 of machine,
 * 2 of process, 3 of counter) written as 20 characters of base32hex, lower case.
 */
export function newTaskId(nowMs: number): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
  machineAndProcess.copy(bytes, 4);
  xidCounter = (xidCounter + 1) & 0xffffff;
  bytes.writeUIntBE(xidCounter, 9, 3);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += XID_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out + XID_ALPHABET[(value << (5 - bits)) & 31];
}

/** The creation second encoded in a task id's first four bytes. */
export function taskIdSeconds(taskId: string): number {
  let value = 0n;
  for (const char of taskId) value = (value << 5n) | BigInt(XID_ALPHABET.indexOf(char));
  return Number((value >> 4n) >> 64n);
}

/**
 * RFC 3339 in UTC with nanoseconds, trailing zeros dropped, as Go's time.RFC3339Nano writes it.
 * `nowMs` may carry a fraction of a millisecond.
 */
export function goTimestamp(nowMs: number): string {
  const wholeMs = Math.floor(nowMs);
  const iso = new Date(wholeMs).toISOString(); // 2024-10-19T18:24:56.450Z
  const nanos = (wholeMs % 1000) * 1_000_000 + Math.round((nowMs - wholeMs) * 1_000_000);
  const fraction = String(Math.min(nanos, 999_999_999)).padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

/** What a task answer is made of, in either dialect. */
export interface TaskFields {
  createdAt: number;
  updatedAt: number;
  taskId: string;
  dialect: 'legacy' | 'v1';
  userId: string;
  status: string;
  total: number;
  success: number;
  failure: number;
}

/**
 * The task object as the provider spells it: Go timestamps; `user_id` always in legacy, in v1
 * only when one was given. The simulator and the gateway answer with it, so clients see one shape.
 */
export function taskFields(task: TaskFields): Record<string, unknown> {
  return {
    created_at: goTimestamp(task.createdAt),
    updated_at: goTimestamp(task.updatedAt),
    task_id: task.taskId,
    ...((task.dialect === 'legacy' || task.userId !== '') && { user_id: task.userId }),
    status: task.status,
    total: task.total,
    success: task.success,
    failure: task.failure,
  };
}
