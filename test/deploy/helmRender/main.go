// helm-render: prints a chart's manifests as `helm template` would, for tests in an environment with
// no helm binary. It parses every file under templates/ into one text/template set (so named
// templates cross files), gives them Helm's objects (.Values, .Release, .Chart, .Capabilities,
// .Files, .Template) and functions (funcs.go), renders every template whose name does not start
// with "_" (NOTES.txt is skipped), drops empty documents and prints the rest in Helm's install order;
// --notes prints the rendered NOTES.txt instead, as `helm install` shows it.
// It is not Helm: no subcharts, hooks, schema validation or cluster access (lookup returns nothing).
//
//	helm-render [--name N] [--namespace NS] [-f values.yaml]... [--set k=v]... [--set-string k=v]...
//	            [--include-crds] [--notes] [--kube-version 1.30.0] [--api-versions group/version]... CHART_DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// apiVersions is .Capabilities.APIVersions; charts call its Has method.
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// installOrder is Helm's kind order for install; other kinds come after, in template order.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
}

type manifest struct {
	source, body, kind string
	order              int
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run() error {
	var valueFiles, sets, setStrings, extraAPIs repeated
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	includeCRDs := flag.Bool("include-crds", false, "print the chart's crds/ files too")
	notes := flag.Bool("notes", false, "print the rendered templates/NOTES.txt instead of the manifests")
	kubeVersion := flag.String("kube-version", "1.30.0", "Kubernetes version for .Capabilities")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Var(&valueFiles, "values", "values file (repeatable)")
	flag.Var(&sets, "set", "key=value (repeatable)")
	flag.Var(&setStrings, "set-string", "key=value kept as a string (repeatable)")
	flag.Var(&extraAPIs, "api-versions", "API version for .Capabilities.APIVersions (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		return fmt.Errorf("one chart directory expected")
	}
	chartDir := flag.Arg(0)

	chartMeta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	chart := valueMap{}
	for key, value := range chartMeta {
		chart[strings.ToUpper(key[:1])+key[1:]] = value
	}
	chartName, _ := chart["Name"].(string)

	values := valueMap{}
	if _, err := os.Stat(filepath.Join(chartDir, "values.yaml")); err == nil {
		if values, err = readYAMLMap(filepath.Join(chartDir, "values.yaml")); err != nil {
			return err
		}
	}
	for _, file := range valueFiles {
		override, err := readYAMLMap(file)
		if err != nil {
			return err
		}
		values = mergeValues(values, override)
	}
	for _, arg := range sets {
		if err := applySet(values, arg, false); err != nil {
			return err
		}
	}
	for _, arg := range setStrings {
		if err := applySet(values, arg, true); err != nil {
			return err
		}
	}

	files, err := loadFiles(chartDir)
	if err != nil {
		return err
	}
	version := strings.TrimPrefix(*kubeVersion, "v")
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("--kube-version %q: major.minor expected", *kubeVersion)
	}
	apis := apiVersions{"v1", "apps/v1", "batch/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
		"apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1", "autoscaling/v2", "networking.k8s.io/v1"}
	apis = append(apis, extraAPIs...)
	top := valueMap{
		"Values": values,
		"Chart":  chart,
		"Release": valueMap{
			"Name": *name, "Namespace": *namespace, "IsInstall": true, "IsUpgrade": false,
			"Revision": 1, "Service": "Helm",
		},
		"Capabilities": valueMap{
			"KubeVersion": valueMap{
				"Version": "v" + version, "GitVersion": "v" + version, "Major": parts[0], "Minor": parts[1],
			},
			"APIVersions": apis,
			"HelmVersion": valueMap{"Version": "v3.16.0"},
		},
		"Files": files,
	}

	set := template.New("chart").Funcs(baseFuncs()).Option("missingkey=zero")
	var names []string
	templatesDir := filepath.Join(chartDir, "templates")
	err = filepath.Walk(templatesDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		tplName := chartName + "/" + filepath.ToSlash(rel)
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := set.New(tplName).Parse(string(text)); err != nil {
			return err
		}
		names = append(names, tplName)
		return nil
	})
	if err != nil {
		return err
	}
	bindFuncs(set)
	sort.Strings(names)

	var out []manifest
	if *includeCRDs {
		crds, _ := filepath.Glob(filepath.Join(chartDir, "crds", "*.yaml"))
		sort.Strings(crds)
		for _, crd := range crds {
			text, err := os.ReadFile(crd)
			if err != nil {
				return err
			}
			out = append(out, splitDocuments(chartName+"/crds/"+filepath.Base(crd), string(text))...)
		}
	}
	for _, tplName := range names {
		base := filepath.Base(tplName)
		if strings.HasPrefix(base, "_") || (base == "NOTES.txt") != *notes {
			continue
		}
		data := valueMap{}
		for key, value := range top {
			data[key] = value
		}
		data["Template"] = valueMap{"Name": tplName, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := set.ExecuteTemplate(&buf, tplName, data); err != nil {
			return err
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		if *notes {
			fmt.Print(rendered)
			return nil
		}
		out = append(out, splitDocuments(tplName, rendered)...)
	}
	for i := range out {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(out[i].body), &meta); err != nil {
			return fmt.Errorf("YAML parse error on %s: %w", out[i].source, err)
		}
		out[i].kind = meta.Kind
		out[i].order = len(installOrder)
		for rank, kind := range installOrder {
			if kind == meta.Kind {
				out[i].order = rank
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	for _, m := range out {
		fmt.Printf("---\n# Source: %s\n%s\n", m.source, strings.TrimRight(m.body, "\n"))
	}
	return nil
}

// splitDocuments cuts a rendered file at "---" lines and drops documents with no content.
func splitDocuments(source, text string) []manifest {
	var docs []manifest
	var cur []string
	flush := func() {
		body := strings.Join(cur, "\n")
		cur = nil
		for _, line := range strings.Split(body, "\n") {
			trimmed := strings.TrimSpace(line)
			if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				docs = append(docs, manifest{source: source, body: body})
				return
			}
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimLeft(line, "-")) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}
