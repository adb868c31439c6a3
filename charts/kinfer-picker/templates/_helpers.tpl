{{- define "kinfer-picker.name" -}}
{{- printf "%s-picker" .Release.Name -}}
{{- end }}

{{- define "kinfer-picker.labels" -}}
app.kubernetes.io/name: {{ include "kinfer-picker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: endpoint-picker
app.kubernetes.io/part-of: kinfer
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
kinfer.dev/deployment: {{ .Release.Name }}
{{- end }}

{{- define "kinfer-picker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kinfer-picker.name" . }}
app.kubernetes.io/component: endpoint-picker
{{- end }}

{{- define "kinfer.image" -}}
{{- $i := .Values.inferenceExtension.image -}}
{{- printf "%s/%s:%s" $i.registry $i.repository ($i.tag | default .Chart.AppVersion) -}}
{{- end }}
