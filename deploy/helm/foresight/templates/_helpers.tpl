{{/* Names, labels and derived values shared by the templates. */}}

{{- define "foresight.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release-derived object name: the release name when it already contains the chart name. */}}
{{- define "foresight.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "foresight.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{/* Every object's labels: the Kustomize base's two, Helm's usual four, then commonLabels. */}}
{{- define "foresight.labels" -}}
app.kubernetes.io/name: {{ include "foresight.name" . }}
app.kubernetes.io/part-of: {{ include "foresight.name" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | quote }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pods' identity: fixed, as in the base, since one installation serves a cluster's metrics APIs. */}}
{{- define "foresight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "foresight.name" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "foresight.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "foresight.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "foresight.servingSecretName" -}}
{{- default (printf "%s-serving-cert" (include "foresight.fullname" .)) .Values.certificates.secretName -}}
{{- end -}}

{{- define "foresight.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{/* The config file's text: values.config verbatim when a string, as YAML when a map. */}}
{{- define "foresight.configText" -}}
{{- if kindIs "string" .Values.config -}}
{{- .Values.config -}}
{{- else -}}
{{- toYaml .Values.config | printf "%s\n" -}}
{{- end -}}
{{- end -}}

{{/*
The ConfigMap's name: <fullname>-config-<hash>, the hash computed as Kustomize's configMapGenerator
does (Kustomize 5: the first ten hex digits of the SHA-256 of {"data","kind","name":""} as JSON,
with 0 1 3 a e replaced by g h k m t), so a config change rolls the Deployment and the default
name equals the base's.
*/}}
{{- define "foresight.configMapName" -}}
{{- $name := printf "%s-config" (include "foresight.fullname" .) -}}
{{- $doc := dict "data" (dict "config.yaml" (include "foresight.configText" .)) "kind" "ConfigMap" "name" "" -}}
{{- $hash := toJson $doc | sha256sum | trunc 10 | replace "0" "g" | replace "1" "h" | replace "3" "k" | replace "a" "m" | replace "e" "t" -}}
{{- printf "%s-%s" $name $hash -}}
{{- end -}}

{{/* The group-versions registered, each "name group version versionPriority". */}}
{{- define "foresight.apiServices" -}}
{{- if .Values.apiServices.custom }}
- [v1beta2.custom.metrics.k8s.io, custom.metrics.k8s.io, v1beta2, 200]
- [v1beta1.custom.metrics.k8s.io, custom.metrics.k8s.io, v1beta1, 100]
{{- end }}
{{- if .Values.apiServices.external }}
- [v1beta1.external.metrics.k8s.io, external.metrics.k8s.io, v1beta1, 100]
{{- end }}
{{- if .Values.apiServices.resource }}
- [v1beta1.metrics.k8s.io, metrics.k8s.io, v1beta1, 100]
{{- end }}
{{- end -}}

{{/* values.authentication as the flag's value: YAML 1.1 reads an unquoted on/off as a boolean. */}}
{{- define "foresight.authentication" -}}
{{- $auth := .Values.authentication -}}
{{- if kindIs "bool" $auth -}}
{{- ternary "on" "off" $auth -}}
{{- else -}}
{{- $auth -}}
{{- end -}}
{{- end -}}

{{- define "foresight.validate" -}}
{{- $modes := list "existingSecret" "cert-manager" "self-signed" -}}
{{- if not (has .Values.certificates.mode $modes) -}}
{{- fail (printf "certificates.mode must be one of %s, not %q" (join ", " $modes) .Values.certificates.mode) -}}
{{- end -}}
{{- $auth := include "foresight.authentication" . -}}
{{- if and $auth (not (has $auth (list "on" "off" "auto"))) -}}
{{- fail (printf "authentication must be on, off, auto or empty, not %q" $auth) -}}
{{- end -}}
{{- if not (or .Values.apiServices.custom .Values.apiServices.external .Values.apiServices.resource) -}}
{{- fail "apiServices: register at least one of custom, external and resource" -}}
{{- end -}}
{{- end -}}
