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
  Nil: null,
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
    ["missing map key prints as Go's invalid value", "[<<.LabelValuesByName.nope>>]", "[<no value>]"],
    ["a field of a missing key is missing too", "<<.LabelValuesByName.zzz.x>>", "<no value>"],
    ["missing map key is false", "<<if .LabelValuesByName.nope>>y<<else>>n<<end>>", "n"],
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
    ["lt le gt ge on numbers", "<<lt 1 2>> <<le 2 2>> <<gt 1 2>> <<ge .Count 3>>", "true true false true"],
    ["lt on strings", '<<lt "a" "b">> <<gt .GroupBy "pod">>', "true false"],
    ["print spaces operands that are not strings", '<<print 1 2 "a" "b" 3>>', "1 2ab3"],
    ["println", "<<println .GroupBy 1>>", "pod 1\n"],
    [
      "printf verbs with width and flags",
      '<<printf "%5d|%-4s|%05.1f|%x|%X|%o|%t|%c|%e|%g" 42 "ab" 3.14159 255 "hi" 8 true 65 1234.5678 0.5>>',
      "   42|ab  |003.1|ff|6869|10|true|A|1.234568e+03|0.5",
    ],
    ["printf bad verb as Go prints it", '<<printf "%d" "x">>', "%!d(string=x)"],
    [
      "printf missing and extra args",
      '<<printf "%s %s" "a">>|<<printf "%s" "a" 2>>',
      "a %!s(MISSING)|a%!(EXTRA int=2)",
    ],
    ["slice of a string and a slice", '<<slice "héllo" 0 1>> <<slice .GroupBySlice 1>>', "h [container]"],
    ["index of a string is a byte", '<<index "abc" 1>>', "98"],
    ["html", String.raw`<<html "<a href=\"x\">&'">>`, "&lt;a href=&#34;x&#34;&gt;&amp;&#39;"],
    ["js", String.raw`<<js "a\"b'c<d>=&\n">>`, String.raw`a\"b\'c\u003Cd\u003E\u003D\u0026\u000A`],
    ["urlquery", '<<urlquery "a b&c=d/é">>', "a+b%26c%3Dd%2F%C3%A9"],
    ["escapers print several operands", "<<urlquery 1 2>>", "1+2"],
    [
      "define and template",
      '<<define "m">>[<<.>>]<<end>><<template "m" .GroupBy>><<template "m">>',
      "[pod][<nil>]",
    ],
    [
      "template sees only its own $",
      '<<define "d">><<$.Series>><<end>><<template "d" .>>',
      "http_requests_total",
    ],
    ["block defines and runs", '<<block "b" .Series>>(<<.>>)<<end>>', "(http_requests_total)"],
    ["a later definition replaces a block", '<<block "b" .>>old<<end>><<define "b">>new<<end>>', "new"],
    [
      "break and continue",
      '<<range $i, $e := .GroupBySlice>><<if eq $i 1>><<break>><<end>><<$e>><<end>>|<<range .GroupBySlice>><<if eq . "pod">><<continue>><<end>><<.>><<end>>',
      "pod|container",
    ],
    ["else with", "<<with .Flag>>a<<else with .GroupBy>><<.>><<end>>", "pod"],
    [
      "number literals",
      "<<0x1F>> <<0o17>> <<017>> <<0b101>> <<1_000>> <<1e3>> <<'a'>> <<'\\n'>>",
      "31 15 15 5 1000 1000 97 10",
    ],
    ["fields of a parenthesized value", "<<(.Nested.Inner).Name>>", "deep"],
    [
      "range over a map with break",
      "<<range $k, $v := .LabelValuesByName>><<$k>><<break>><<end>>",
      "namespace",
    ],
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
    ["define inside a block", '<<if 1>><<define "x">><<end>><<end>>', /unexpected "define"/, 8],
    ["break outside range", "<<if 1>><<break>><<end>>", /\{\{break\}\} outside \{\{range\}\}/, 8],
    [
      "continue in a define",
      '<<range .A>><<define "x">><<continue>><<end>><<end>>',
      /unexpected "define"/,
      12,
    ],
    ["template without a name", "<<template .A>>", /missing template name/, 0],
    ["block without a pipeline", '<<block "x">><<end>>', /missing value for block/, 0],
    ["bad character constant", "<<'ab'>>", /malformed character constant/, 2],
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
    ["field of nil", "<<.Nil.x>>", /nil pointer evaluating \.x/],
    ["field of a string", "<<.GroupBy.x>>", /can't evaluate field x in type string/],
    ["lt on booleans", "<<lt true false>>", /invalid type for comparison/],
    ["lt on a number and a string", '<<lt 1 "a">>', /incompatible types/],
    ["slice out of range", '<<slice "abc" 1 9>>', /index out of range: 9/],
    ["3-index slice of a string", '<<slice "abc" 0 1 2>>', /cannot 3-index slice a string/],
    ["call on data without functions", "<<call .GroupBy>>", /non-function of type string/],
    ["undefined template", '<<template "nope">>', /no such template "nope"/],
    [
      "endless recursion",
      '<<define "r">><<template "r" .>><<end>><<template "r" .>>',
      /maximum template depth/,
    ],
    ["index out of range", "<<index .GroupBySlice 5>>", /index out of range: 5/],
    ["incompatible eq", '<<eq .Count "3">>', /incompatible types/],
    ["range over struct", "<<range .Nested>><<end>>", /range can't iterate/],
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
