/** The longest gap between turns of a 1 ms ticker, from now until `stop` (ms). */
export function stallMeter(onTick?: () => void): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    onTick?.();
  }, 1);
  return {
    stop: () => {
      clearInterval(ticker);
      return Math.max(longest, performance.now() - last);
    },
  };
}
