import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ADAPTER_DELIMITERS,
  compileTemplate,
  GO_DELIMITERS,
  TemplateError,
} from "../../../src/adapter/naming/goTemplate.js";

const data = {
  Series: "http_requests_total",
  LabelMatchers: 'namespace="default",pod!=""',
  GroupBy: "pod",
  GroupBySlice: ["pod", "container"],
  LabelValuesByName: new Map([
    ["pod", "web-1|web-2"],
    ["namespace", "default"],
  ]),
  Nested: { Inner: { Name: "deep" } },
  Empty: [] as string[],
  Count: 3,
  Flag: false,
};

const render = (text: string, input: unknown = data) => compileTemplate(text, ADAPTER_DELIMITERS)(input);

describe("compileTemplate renders Go text/template semantics", () => {
  const cases: Array<[string, string, string]> = [
    ["plain text", "no actions here", "no actions here"],
    [
      "fields",
      "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
      'sum(http_requests_total{namespace="default",pod!=""}) by (pod)',
    ],
    ["nested fields", "<<.Nested.Inner.Name>>", "deep"],
    ["dot", "<<.>>", "x"],
    ["slice printed as Go does", "<<.GroupBySlice>>", "[pod container]"],
    ["map printed sorted", "<<.LabelValuesByName>>", "map[namespace:default pod:web-1|web-2]"],
    ["map field", "<<.LabelValuesByName.pod>>", "web-1|web-2"],
    ["missing map key is the zero value", "[<<.LabelValuesByName.nope>>]", "[]"],
    [
      "range over slice with index",
      "<<range $i, $l := .GroupBySlice>><<if $i>>,<<end>><<$l>><<end>>",
      "pod,container",
    ],
    [
      "range with one variable gets the element",
      "<<range $l := .GroupBySlice>>[<<$l>>]<<end>>",
      "[pod][container]",
    ],
    ["range dot is the element", "<<range .GroupBySlice>><<.>>;<<end>>", "pod;container;"],
    [
      "range over map in sorted key order",
      "<<range $k, $v := .LabelValuesByName>><<$k>>=<<$v>> <<end>>",
      "namespace=default pod=web-1|web-2 ",
    ],
    ["range else on empty", "<<range .Empty>>x<<else>>none<<end>>", "none"],
    ["range over int", "<<range .Count>><<.>><<end>>", "012"],
    ["$ is the root inside range", "<<range .GroupBySlice>><<$.GroupBy>><<end>>", "podpod"],
    ["if / else if / else", '<<if .Flag>>a<<else if eq .GroupBy "pod">>b<<else>>c<<end>>', "b"],
    ["if false number", "<<if .Count>>yes<<end>><<if .Empty>>no<<end>>", "yes"],
    ["with rebinds dot", "<<with .Nested.Inner>><<.Name>><<end>>", "deep"],
    ["with else", "<<with .Empty>>x<<else>>empty<<end>>", "empty"],
    ["index on map", '<<index .LabelValuesByName "pod">>', "web-1|web-2"],
    ["index on slice", "<<index .GroupBySlice 1>>", "container"],
    ["index missing map key", '[<<index .LabelValuesByName "zzz">>]', "[]"],
    ["len", '<<len .GroupBySlice>> <<len .LabelValuesByName>> <<len "héllo">>', "2 2 6"],
    [
      "printf verbs",
      '<<printf "%s/%d/%q/%v/%%" .GroupBy .Count .Series .GroupBySlice>>',
      'pod/3/"http_requests_total"/[pod container]/%',
    ],
    ["pipeline feeds the last argument", '<<.GroupBy | printf "by (%s)">>', "by (pod)"],
    [
      "parenthesised pipeline",
      '<<printf "%s-%s" (index .GroupBySlice 0) .Series>>',
      "pod-http_requests_total",
    ],
    ["and / or / not", '<<and 1 .Count>> <<or .Flag .Empty "z">> <<not .Flag>>', "3 z true"],
    ["and short-circuits", "<<and .Flag (index .GroupBySlice 9)>>", "false"],
    ["eq with several candidates", '<<eq .GroupBy "a" "pod">> <<ne .Count 3>>', "true false"],
    ["variables and assignment", "<<$x := 1>><<if true>><<$x = 2>><<end>><<$x>>", "2"],
    ["declaration prints nothing", "<<$x := .Series>>[<<$x>>]", "[http_requests_total]"],
    ["string literal escapes", '<<"a\\tb\\x41\\"">>', 'a\tbA"'],
    ["raw string literal", "<<`a\\tb`>>", "a\\tb"],
    ["trim markers", "a \n <<- .GroupBy ->> \n b", "apodb"],
    ["minus without space is a number", "<<-3>>", "-3"],
    ["comments", "a<</* note */>>b <<- /* trimmed */ ->> c", "abc"],
    ["right delimiter inside a string", '<<printf ">>">>', ">>"],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => assert.equal(render(text, name === "dot" ? "x" : data), want));
  }

  it("uses {{ }} by default and any delimiters given", () => {
    assert.equal(compileTemplate("{{.A}}<<.A>>")({ A: 1 }), "1<<.A>>");
    assert.equal(compileTemplate("{{.A}}[[.A]]", { left: "[[", right: "]]" })({ A: 1 }), "{{.A}}1");
    assert.equal(GO_DELIMITERS.left, "{{");
  });

  it("parses once and renders many times", () => {
    const tmpl = compileTemplate("<<.A>>", ADAPTER_DELIMITERS);
    assert.equal(tmpl({ A: "x" }), "x");
    assert.equal(tmpl({ A: "y" }), "y");
  });
});

describe("compileTemplate errors", () => {
  const parseErrors: Array<[string, string, RegExp, number]> = [
    ["unclosed action", "abc <<.Series", /unclosed action/, 4],
    ["missing end", "<<if .A>>x", /missing "end"/, 10],
    ["stray end", "x<<end>>", /unexpected "end"/, 1],
    ["unknown function", "<<join .A>>", /function "join" not defined/, 2],
    ["undefined variable", "<<$nope>>", /undefined variable "\$nope"/, 2],
    ["empty action", "x<< >>", /missing value/, 1],
    ["argument to non-function", "<<.A .B>>", /non-function/, 2],
    ["unterminated string", '<<"abc>>', /unterminated string/, 2],
    ["bad character", "<<.A # >>", /unexpected character "#"/, 5],
    ["else if in range", "<<range .A>><<else if .B>><<end>>", /after "else"/, 12],
    ["unsupported define", '<<define "x">><<end>>', /"define" is not supported/, 0],
    ["unclosed paren", "ab<<(.A>>", /unclosed left paren/, 2],
  ];
  for (const [name, text, message, offset] of parseErrors) {
    it(`parse: ${name}`, () => {
      assert.throws(
        () => compileTemplate(text, ADAPTER_DELIMITERS),
        (err: unknown) => err instanceof TemplateError && message.test(err.message) && err.offset === offset,
      );
    });
  }

  const execErrors: Array<[string, string, RegExp]> = [
    ["unknown struct field", "<<.Nope>>", /can't evaluate field Nope/],
    ["field of nil", "<<.LabelValuesByName.zzz.x>>", /nil pointer evaluating \.x/],
    ["index out of range", "<<index .GroupBySlice 5>>", /index out of range: 5/],
    ["incompatible eq", '<<eq .Count "3">>', /incompatible types/],
    ["range over struct", "<<range .Nested>><<end>>", /range can't iterate/],
    ["unsupported printf verb", '<<printf "%x" 1>>', /%x is not supported/],
  ];
  for (const [name, text, message] of execErrors) {
    it(`render: ${name}`, () => {
      const tmpl = compileTemplate(text, ADAPTER_DELIMITERS);
      assert.throws(
        () => tmpl(data),
        (err: unknown) => err instanceof TemplateError && message.test(err.message),
      );
    });
  }
});
