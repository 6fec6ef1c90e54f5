{{- define "slo-scout.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slo-scout.fullname" -}}
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

{{- define "slo-scout.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "slo-scout.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* selectorLabels: pass (dict "root" $ "component" "serve") */}}
{{- define "slo-scout.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slo-scout.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "slo-scout.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "slo-scout.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "slo-scout.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by serve, worker and the migration Job. */}}
{{- define "slo-scout.env" -}}
{{- $ := . -}}
- name: APP_ID
  value: {{ required "github.appId is required (the GitHub App ID)" .Values.github.appId | quote }}
- name: PRIVATE_KEY_PATH
  value: /etc/slo-scout/github/private-key.pem
- name: WEBHOOK_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ required "github.existingSecret is required (Secret with the App's private key and webhook secret)" .Values.github.existingSecret }}
      key: {{ .Values.github.webhookSecretKey }}
{{- with .Values.github.host }}
- name: GHE_HOST
  value: {{ . | quote }}
{{- end }}
- name: DATABASE_URL
{{- if .Values.database.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.urlKey }}
{{- else }}
  value: {{ required "database.url or database.existingSecret is required" .Values.database.url | quote }}
{{- end }}
- name: REDIS_URL
{{- if .Values.redis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.urlKey }}
{{- else }}
  value: {{ required "redis.url or redis.existingSecret is required" .Values.redis.url | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: GITLAB_URL
  value: {{ .Values.gitlabUrl | quote }}
{{- if .Values.channels.existingSecret }}
{{- range $name, $key := .Values.channels.keys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.channels.existingSecret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "slo-scout.volumes" -}}
- name: github-app
  secret:
    secretName: {{ .Values.github.existingSecret }}
    items:
      - key: {{ .Values.github.privateKeyKey }}
        path: private-key.pem
    defaultMode: 0440
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "slo-scout.volumeMounts" -}}
- name: github-app
  mountPath: /etc/slo-scout/github
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}
