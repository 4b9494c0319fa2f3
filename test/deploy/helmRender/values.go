// Values for the chart renderer: values.yaml, then each -f file merged over it, then each --set.
// Merging follows Helm's rule (maps merge key by key, anything else is replaced, a null deletes the
// key). The --set parser covers the forms charts are usually driven with (a.b=v, a\.b=v, a[0]=v,
// {x,y} lists, commas between pairs, typed scalars); Helm's own strvals package is not packaged for
// Debian, so this is a reduced re-implementation of its documented behaviour.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

type valueMap = map[string]interface{}

// readYAMLMap parses a YAML file as Helm does (through JSON, so numbers are float64).
func readYAMLMap(path string) (valueMap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := valueMap{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// mergeValues merges override into base in place and returns base.
func mergeValues(base, override valueMap) valueMap {
	for key, value := range override {
		if value == nil {
			delete(base, key)
			continue
		}
		if sub, ok := value.(map[string]interface{}); ok {
			if existing, ok := base[key].(map[string]interface{}); ok {
				base[key] = mergeValues(existing, sub)
				continue
			}
		}
		base[key] = value
	}
	return base
}

// splitUnescaped splits s on sep where it is not escaped by a backslash and not inside {}.
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == '{':
			depth++
			cur.WriteByte(c)
		case c == '}':
			depth--
			cur.WriteByte(c)
		case c == sep && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

func unescape(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		out.WriteByte(s[i])
	}
	return out.String()
}

func typedScalar(raw string, asString bool) interface{} {
	s := unescape(raw)
	if asString {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && (s == "0" || !strings.HasPrefix(s, "0")) {
		return n
	}
	return s
}

func parseSetValue(raw string, asString bool) interface{} {
	if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
		inner := raw[1 : len(raw)-1]
		list := []interface{}{}
		if inner == "" {
			return list
		}
		for _, item := range splitUnescaped(inner, ',') {
			list = append(list, typedScalar(item, asString))
		}
		return list
	}
	return typedScalar(raw, asString)
}

// applySet applies one --set argument ("a.b=1,c[0]=x") to values.
func applySet(values valueMap, arg string, asString bool) error {
	for _, pair := range splitUnescaped(arg, ',') {
		eq := strings.IndexByte(pair, '=')
		if eq <= 0 {
			return fmt.Errorf("--set %q: key=value expected", pair)
		}
		path := splitUnescaped(pair[:eq], '.')
		if err := setPath(values, path, parseSetValue(pair[eq+1:], asString)); err != nil {
			return fmt.Errorf("--set %q: %w", pair, err)
		}
	}
	return nil
}

func setPath(m valueMap, path []string, value interface{}) error {
	key := unescape(path[0])
	index := -1
	if open := strings.IndexByte(key, '['); open > 0 && strings.HasSuffix(key, "]") {
		n, err := strconv.Atoi(key[open+1 : len(key)-1])
		if err != nil || n < 0 {
			return fmt.Errorf("bad list index in %q", key)
		}
		key, index = key[:open], n
	}
	if index < 0 {
		if len(path) == 1 {
			if value == nil {
				delete(m, key)
			} else {
				m[key] = value
			}
			return nil
		}
		child, ok := m[key].(map[string]interface{})
		if !ok {
			child = valueMap{}
			m[key] = child
		}
		return setPath(child, path[1:], value)
	}
	list, _ := m[key].([]interface{})
	for len(list) <= index {
		list = append(list, nil)
	}
	if len(path) == 1 {
		list[index] = value
	} else {
		child, ok := list[index].(map[string]interface{})
		if !ok {
			child = valueMap{}
			list[index] = child
		}
		if err := setPath(child, path[1:], value); err != nil {
			return err
		}
	}
	m[key] = list
	return nil
}
