// The template functions Helm gives charts: sprig's (minus env and expandenv, which Helm removes),
// then Helm's own: include, tpl, required, lookup, toYaml/fromYaml, toJson/fromJson and friends.
// include and tpl need the parsed template set, so they are bound after parsing (as Helm does).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// maxIncludeDepth stops a template that includes itself forever, as Helm's recursion limit does.
const maxIncludeDepth = 1000

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	out := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		out["Error"] = err.Error()
	}
	return out
}

func fromYAMLArray(s string) []interface{} {
	out := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		out = []interface{}{err.Error()}
	}
	return out
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	out := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		out["Error"] = err.Error()
	}
	return out
}

func fromJSONArray(s string) []interface{} {
	out := []interface{}{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		out = []interface{}{err.Error()}
	}
	return out
}

func required(message string, value interface{}) (interface{}, error) {
	if value == nil {
		return nil, errors.New(message)
	}
	if s, ok := value.(string); ok && s == "" {
		return nil, errors.New(message)
	}
	return value, nil
}

func lookup(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
	return map[string]interface{}{}, nil
}

// baseFuncs is every function but include and tpl, which bindFuncs adds once the set is parsed.
func baseFuncs() template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	for name, fn := range map[string]interface{}{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required":      required,
		"lookup":        lookup,
		"include":       func(string, interface{}) (string, error) { return "", errors.New("include not bound") },
		"tpl":           func(string, interface{}) (string, error) { return "", errors.New("tpl not bound") },
	} {
		funcs[name] = fn
	}
	return funcs
}

// bindFuncs gives the set include and tpl that execute against it.
func bindFuncs(set *template.Template) {
	depth := map[string]int{}
	var include func(name string, data interface{}) (string, error)
	include = func(name string, data interface{}) (string, error) {
		if depth[name] >= maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf bytes.Buffer
		if err := set.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	tpl := func(text string, data interface{}) (string, error) {
		clone, err := set.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf bytes.Buffer
		if err := parsed.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error calling tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	set.Funcs(template.FuncMap{"include": include, "tpl": tpl})
}
