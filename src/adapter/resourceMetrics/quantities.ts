/**
 * The wire values of resource metrics as prometheus-adapter prints them (pkg/resourceprovider):
 * CPU as `resource.NewMilliQuantity(int64(v*1000), DecimalSI)`, memory as
 * `resource.NewMilliQuantity(int64(v*1000), BinarySI)` (whole bytes ≥ 1024 in Ki/Mi/Gi…, anything
 * else in DecimalSI), and the window as a Go `time.Duration` string (`metav1.Duration`).
 * The truncation to whole milli-units (toward zero, as Go's float → int64 conversion) is theirs.
 */
import { formatDecimalSI } from "../../k8s/quantity.js";

const MAX_INT64 = 2n ** 63n - 1n;
const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;

/** Go's int64(v*1000): toward zero, saturated (v is finite and, here, never negative). */
function milliUnits(value: number): bigint {
  const milli = BigInt(Math.trunc(value * 1000));
  if (milli > MAX_INT64) return MAX_INT64;
  if (milli < -MAX_INT64) return -MAX_INT64;
  return milli;
}

/** CPU cores as a Quantity string: 0.25 → "250m", 2 → "2", 1.0004 → "1". */
export function cpuQuantity(cores: number): string {
  return formatDecimalSI({ mantissa: milliUnits(cores), exponent: -3 });
}

/**
 * Bytes as a Quantity string in apimachinery's BinarySI canonical form: whole bytes with magnitude
 * ≥ 1024 as the largest power-of-1024 suffix dividing them exactly (1048576 → "1Mi", 1049600 →
 * "1025Ki", 1000000 → "1000000"); below 1024 or fractional, DecimalSI ("512", "1500m").
 */
export function memoryQuantity(bytes: number): string {
  const milli = milliUnits(bytes);
  if (milli === 0n) return "0";
  const whole = milli % 1000n === 0n;
  const magnitude = milli < 0n ? -milli : milli;
  if (!whole || magnitude < 1024n * 1000n) return formatDecimalSI({ mantissa: milli, exponent: -3 });
  let amount = milli / 1000n;
  let power = 0;
  while (power < BINARY_SUFFIXES.length - 1 && amount % 1024n === 0n) {
    amount /= 1024n;
    power += 1;
  }
  return `${amount}${BINARY_SUFFIXES[power]}`;
}

/** Go's time.Duration.String for a whole number of milliseconds: 0 → "0s", 60000 → "1m0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const wholeSeconds = Math.floor(rest / 1000);
  const fraction = rest % 1000;
  const seconds =
    fraction === 0
      ? `${wholeSeconds}`
      : `${wholeSeconds}.${String(fraction).padStart(3, "0").replace(/0+$/, "")}`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
