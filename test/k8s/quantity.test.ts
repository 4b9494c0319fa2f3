import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatDecimalSI,
  formatQuantity,
  milliValue,
  parseQuantity,
  QuantityParseError,
} from "../../src/k8s/quantity.js";

describe("formatQuantity", () => {
  const cases: ReadonlyArray<readonly [number, string, string]> = [
    // Upstream TestQuantityString table (reference §1.7).
    [1.08, "1080m", "upstream"],
    [0.08, "80m", "upstream"],
    [0.001, "1m", "upstream"],
    [3000, "3k", "upstream"],
    [3e8, "300M", "upstream"],
    [1e9, "1G", "upstream"],
    [1234567e6, "1234567M", "upstream"],
    [1e-9, "1n", "upstream"],
    [1080e-6, "1080u", "upstream"],
    [0, "0", "upstream"],
    // Derived by the same rules.
    [0.5, "500m", "derived"],
    [1.5, "1500m", "derived"],
    [2, "2", "derived"],
    [10, "10", "derived"],
    [1500, "1500", "derived"],
    [1000, "1k", "derived"],
    [10000, "10k", "derived"],
    [120000, "120k", "derived"],
    [2.5e6, "2500k", "derived"],
    [10.5, "10500m", "PA FAQ"],
    [87, "87", "integer"],
    [0.734512, "734512u", "micro"],
    [1.2345, "1234500u", "Go doc example"],
    [1e15, "1P", "peta"],
    [1e18, "1E", "exa"],
    [1.5e21, "1500E", "above E, lowered onto E"],
    [1e21, "1e21", "no suffix above E: exponent form, as current apimachinery"],
    [2 ** 53, "9007199254740992", "2^53 exact"],
    // Rounding to the nearest nano, halves away from zero.
    [12.3456789012, "12345678901n", "sub-nano digits rounded"],
    [12.3456789016, "12345678902n", "sub-nano digits rounded up"],
    [1e-10, "0", "below half a nano"],
    [4.9e-10, "0", "just below half a nano"],
    [5e-10, "1n", "half a nano rounds away from zero"],
    [0.1 + 0.2, "300m", "float noise does not leak"],
    [Number.MIN_VALUE, "0", "smallest double"],
    // Negatives.
    [-1.5, "-1500m", "negative"],
    [-3000, "-3k", "negative kilo"],
    [-5e-10, "-1n", "negative half nano"],
    [-1e-10, "0", "tiny negative is zero, no '-0'"],
    [-0, "0", "negative zero"],
  ];
  for (const [value, expected, why] of cases) {
    it(`${value} → ${expected} (${why})`, () => {
      assert.equal(formatQuantity(value), expected);
    });
  }

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`throws RangeError for ${bad} rather than inventing a value`, () => {
      assert.throws(() => formatQuantity(bad), RangeError);
    });
  }

  it("emits canonical text that parses back to the value (seeded random values)", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const digits = Math.floor(random() * 10);
      const value = Math.round((random() - 0.3) * 10 ** (random() * 12)) / 10 ** digits;
      const text = formatQuantity(value);
      const m = /^(-?)(\d+)([numkMGTPE]?)$/.exec(text);
      assert.ok(m, `${value} gave non-canonical ${text}`);
      const [, , mantissa = "", suffix = ""] = m;
      // Canonical: the exponent is as large as possible, so below E no "000" is left in the mantissa.
      if (mantissa !== "0" && suffix !== "E") assert.ok(!mantissa.endsWith("000"), `${value} gave ${text}`);
      const back = parseQuantity(text);
      const approx = Number(back.mantissa) * 10 ** back.exponent;
      assert.ok(Math.abs(approx - value) <= 1e-9 + Math.abs(value) * 1e-12, `${value} → ${text} → ${approx}`);
    }
  });
});

describe("parseQuantity", () => {
  const cases: ReadonlyArray<readonly [string, bigint, number, string, string]> = [
    // text, mantissa, exponent, format, canonical DecimalSI
    ["0", 0n, 0, "DecimalSI", "0"],
    ["1", 1n, 0, "DecimalSI", "1"],
    ["0.5", 5n, -1, "DecimalSI", "500m"],
    [".5", 5n, -1, "DecimalSI", "500m"],
    ["5.", 5n, 0, "DecimalSI", "5"],
    ["+5", 5n, 0, "DecimalSI", "5"],
    ["-5", -5n, 0, "DecimalSI", "-5"],
    ["5e-1", 5n, -1, "DecimalExponent", "500m"],
    ["1E3", 1n, 3, "DecimalExponent", "1k"],
    ["1e+3", 1n, 3, "DecimalExponent", "1k"],
    ["1E", 1n, 18, "DecimalSI", "1E"],
    ["100m", 1n, -1, "DecimalSI", "100m"],
    ["1500m", 15n, -1, "DecimalSI", "1500m"],
    ["10500m", 105n, -1, "DecimalSI", "10500m"],
    ["2k", 2n, 3, "DecimalSI", "2k"],
    ["007", 7n, 0, "DecimalSI", "7"],
    ["1Ki", 1024n, 0, "BinarySI", "1024"],
    ["1.5Gi", 1610612736n, 0, "BinarySI", "1610612736"],
    ["0.5Ki", 512n, 0, "BinarySI", "512"],
    ["0.0001Ki", 1024n, -4, "DecimalSI", "102400u"],
    ["8Ei", 2n ** 63n - 1n, 0, "BinarySI", "9223372036854775807"],
    // Finer than nano rounds away from zero.
    ["0.1n", 1n, -9, "DecimalSI", "1n"],
    ["-0.1n", -1n, -9, "DecimalSI", "-1n"],
    ["1.0000000001", 1000000001n, -9, "DecimalSI", "1000000001n"],
    ["1e-20000", 1n, -9, "DecimalExponent", "1n"],
  ];
  for (const [text, mantissa, exponent, format, canonical] of cases) {
    it(`${text} → ${mantissa}e${exponent} ${format}`, () => {
      const q = parseQuantity(text);
      assert.deepEqual(q, { mantissa, exponent, format });
      assert.equal(formatDecimalSI(q), canonical);
    });
  }

  for (const bad of [
    "",
    "-",
    ".",
    "abc",
    "1.5.5",
    "1 ",
    " 1",
    "1e",
    "1e+",
    "1x",
    "1ki",
    "1k3",
    "1KiB",
    "0x10",
    "1e20000",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseQuantity(bad),
        (err: unknown) =>
          err instanceof QuantityParseError && err.text === bad && err.message.includes("quantity"),
      );
    });
  }
});

describe("milliValue", () => {
  const cases: ReadonlyArray<readonly [string, bigint]> = [
    ["1", 1000n],
    ["500m", 500n],
    ["1500u", 2n],
    ["1n", 1n],
    ["1000001n", 2n],
    ["1000000n", 1n],
    ["0", 0n],
    ["3k", 3000000n],
    ["1E", 10n ** 21n],
    ["-1500u", -2n],
    ["-500u", -1n],
    ["-2", -2000n],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => {
      assert.equal(milliValue(text), expected);
    });
  }

  it("accepts a parsed decimal", () => {
    assert.equal(milliValue({ mantissa: 12345n, exponent: -4 }), 1235n);
  });

  it("reads what formatQuantity wrote as ceil(value × 1000)", () => {
    for (const [value, milli] of [
      [0.5, 500n],
      [0.0005, 1n],
      [1.0001, 1001n],
      [2, 2000n],
      [87.25, 87250n],
    ] as const) {
      assert.equal(milliValue(formatQuantity(value)), milli, String(value));
    }
  });
});
