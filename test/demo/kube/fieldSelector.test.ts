import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FieldSelectorParseError, parseFieldSelector } from "../../../src/demo/kube/fieldSelector.js";

describe("parseFieldSelector", () => {
  const parsed: { text: string; expect: [string, "=" | "!=", string][] }[] = [
    { text: "", expect: [] },
    { text: "metadata.name=web", expect: [["metadata.name", "=", "web"]] },
    { text: "metadata.name==web", expect: [["metadata.name", "=", "web"]] },
    {
      text: "status.phase!=Failed, spec.nodeName=n1",
      expect: [
        ["status.phase", "!=", "Failed"],
        ["spec.nodeName", "=", "n1"],
      ],
    },
    { text: "a=x\\,y\\=z\\\\", expect: [["a", "=", "x,y=z\\"]] },
    { text: "a=", expect: [["a", "=", ""]] },
  ];
  for (const row of parsed) {
    it(`parses ${JSON.stringify(row.text)}`, () => {
      const selector = parseFieldSelector(row.text);
      assert.deepEqual(
        selector.requirements.map((r) => [r.field, r.operator, r.value]),
        row.expect,
      );
    });
  }

  for (const bad of ["name", "=x", "a=b\\q"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseFieldSelector(bad), FieldSelectorParseError);
    });
  }

  it("matches all requirements, reading missing fields as empty", () => {
    const selector = parseFieldSelector("metadata.name=web,status.phase!=Failed");
    assert.equal(selector.matches({ "metadata.name": "web", "status.phase": "Running" }), true);
    assert.equal(selector.matches({ "metadata.name": "web", "status.phase": "Failed" }), false);
    assert.equal(selector.matches({ "metadata.name": "db" }), false);
    assert.equal(parseFieldSelector("spec.nodeName=").matches({}), true);
  });
});
