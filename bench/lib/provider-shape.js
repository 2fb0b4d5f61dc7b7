// The provider's shape (api-contract.md) at accelerated time, shared by the benchmarks that run
// against the simulator: every duration divided by SCALE. WA_BENCH_SCALE=60 runs at half that
// speed: the provider's parts (export step, queue delay) keep their share of the ideal time,
// the client's own work (fixed seconds of CPU) halves its share.
export const SCALE = Number(process.env.WA_BENCH_SCALE ?? 120);
export const PROVIDER = { numbersPerSecond: 12, slotsPerKey: 5, queueDelayMs: 1000, exportDelayMs: 120_000 };

/** `wa-check simulate` flags for that shape, with `key` as the account's key. */
export function simulatorArgs(key) {
  return [
    '--rate',
    String(PROVIDER.numbersPerSecond * SCALE),
    '--slots',
    String(PROVIDER.slotsPerKey),
    '--queue-delay',
    String(PROVIDER.queueDelayMs / SCALE),
    '--export-delay',
    String(PROVIDER.exportDelayMs / SCALE),
    '--rate-limit',
    String(60 * SCALE),
    '--key',
    key,
  ];
}
