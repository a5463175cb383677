/**
 * A line printer with the time since start, as the examples print their event timelines.
 */

/** Returns `say(text)`, which writes `  +1.2s  text` lines to `out`. */
export function timeline(out: NodeJS.WritableStream, t0 = Date.now()): (text: string) => void {
  return (text: string) => {
    out.write(`${`+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7)}  ${text}\n`);
  };
}
