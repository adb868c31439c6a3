{{- define "kinfer-scheduler.labels" -}}
app.kubernetes.io/name: {{ .Values.schedulerName }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: kinfer
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "kinfer-scheduler.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.schedulerName }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kinfer.image" -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end }}
