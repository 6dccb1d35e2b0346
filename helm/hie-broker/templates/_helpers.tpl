{{/*
Names. Every object is the fullname plus a suffix of at most 7 characters ("-worker"), so the
fullname is cut to 56: Kubernetes names and label values stop at 63.
*/}}
{{- define "hie-broker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 56 | trimSuffix "-" }}
{{- end }}

{{- define "hie-broker.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 56 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hie-broker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hie-broker.labels" -}}
helm.sh/chart: {{ include "hie-broker.chart" . }}
app.kubernetes.io/name: {{ include "hie-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hie-broker
{{- end }}

{{/* Selector labels of one role's pods: include with (dict "root" $ "role" "api"). */}}
{{- define "hie-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hie-broker.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "hie-broker.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Whether the audit journal is PostgreSQL (else the one-process file journal). */}}
{{- define "hie-broker.postgres" -}}
{{- if .Values.postgresql.existingSecret.name }}true{{ end }}
{{- end }}

{{- define "hie-broker.redis" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret.name }}true{{ end }}
{{- end }}

{{/*
What the broker itself refuses at start, refused at install instead (values.schema.json says the same).
*/}}
{{- define "hie-broker.validate" -}}
{{- $postgres := include "hie-broker.postgres" . }}
{{- if not $postgres }}
{{- if or (gt (int .Values.api.replicaCount) 1) .Values.api.autoscaling.enabled }}
{{- fail "api.replicaCount > 1 (or api.autoscaling) needs postgresql.existingSecret: the file audit journal belongs to one process." }}
{{- end }}
{{- if .Values.worker.enabled }}
{{- fail "worker.enabled needs postgresql.existingSecret: the API and its workers must share the PostgreSQL audit journal." }}
{{- end }}
{{- if gt (int .Values.api.processesPerPod) 1 }}
{{- fail "api.processesPerPod > 1 needs postgresql.existingSecret: the file audit journal belongs to one process." }}
{{- end }}
{{- end }}
{{- if and .Values.worker.enabled (not (include "hie-broker.redis" .)) }}
{{- fail "worker.enabled needs redis.url or redis.existingSecret: delivery jobs travel through Redis." }}
{{- end }}
{{- if and (gt (int .Values.api.processesPerPod) 1) (or (not (include "hie-broker.redis" .)) (not .Values.secrets.signingKey.secretName)) }}
{{- fail "api.processesPerPod > 1 needs redis and secrets.signingKey: the processes share Redis and one signing key." }}
{{- end }}
{{- end }}

{{/* The configuration file: config, with the signing and federation keys' mounted paths when given. */}}
{{- define "hie-broker.configFile" -}}
{{- $config := deepCopy .Values.config }}
{{- if .Values.secrets.signingKey.secretName }}
{{- $broker := default dict $config.broker }}
{{- $_ := set $broker "signingKey" (dict "file" (printf "/var/run/secrets/hie-broker/signing-key/%s" .Values.secrets.signingKey.key)) }}
{{- $_ := set $config "broker" $broker }}
{{- end }}
{{- if .Values.secrets.federationKey.secretName }}
{{- $broker := default dict $config.broker }}
{{- $_ := set $broker "federationKey" (dict "file" (printf "/var/run/secrets/hie-broker/federation-key/%s" .Values.secrets.federationKey.key)) }}
{{- $_ := set $config "broker" $broker }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* Environment shared by both roles. */}}
{{- define "hie-broker.env" -}}
- name: CONFIG_FILE
  value: /etc/hie-broker/broker.yaml
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.redis.existingSecret.name }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.redis.existingSecret.name }}, key: {{ .Values.redis.existingSecret.key }} }
{{- else if .Values.redis.url }}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- if .Values.postgresql.existingSecret.name }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.postgresql.existingSecret.name }}, key: {{ .Values.postgresql.existingSecret.key }} }
{{- end }}
{{- if .Values.postgresql.passwordSecret.name }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef: { name: {{ .Values.postgresql.passwordSecret.name }}, key: {{ .Values.postgresql.passwordSecret.key }} }
{{- end }}
{{- if .Values.tracing.enabled }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.tracing.otlpEndpoint | quote }}
- name: OTEL_TRACES_EXPORTER
  value: otlp
- name: OTEL_TRACES_SAMPLER
  value: {{ .Values.tracing.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .Values.tracing.samplerArg | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ include "hie-broker.fullname" . | quote }}
{{- end }}
{{- range .Values.secrets.env }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef: { name: {{ .secretName }}, key: {{ .key }} }
{{- end }}
{{- range .Values.extraEnv }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- end }}
{{- end }}

{{/* Volumes shared by both roles: the configuration, /tmp, the journal, the mounted secrets. */}}
{{- define "hie-broker.volumes" -}}
- name: config
  configMap:
    name: {{ include "hie-broker.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: data
{{- if and (not (include "hie-broker.postgres" .)) .Values.fileJournal.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.fileJournal.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- if .Values.secrets.signingKey.secretName }}
- name: signing-key
  secret:
    secretName: {{ .Values.secrets.signingKey.secretName }}
    defaultMode: 0400
{{- end }}
{{- if .Values.secrets.federationKey.secretName }}
- name: federation-key
  secret:
    secretName: {{ .Values.secrets.federationKey.secretName }}
    defaultMode: 0400
{{- end }}
{{- range .Values.secrets.files }}
- name: {{ .name }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: 0400
{{- end }}
{{- end }}

{{- define "hie-broker.volumeMounts" -}}
- name: config
  mountPath: /etc/hie-broker
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /app/data
{{- if .Values.secrets.signingKey.secretName }}
- name: signing-key
  mountPath: /var/run/secrets/hie-broker/signing-key
  readOnly: true
{{- end }}
{{- if .Values.secrets.federationKey.secretName }}
- name: federation-key
  mountPath: /var/run/secrets/hie-broker/federation-key
  readOnly: true
{{- end }}
{{- range .Values.secrets.files }}
- name: {{ .name }}
  mountPath: {{ .mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/* The pod template of one role: include with (dict "root" $ "role" "api" "brokerRole" "api" "resources" .Values.api.resources). */}}
{{- define "hie-broker.podTemplate" -}}
{{- $root := .root }}
metadata:
  labels:
    {{- include "hie-broker.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
    {{- with $root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A new configuration rolls the pods.
    checksum/config: {{ include "hie-broker.configFile" $root | sha256sum }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .role }}
      image: {{ include "hie-broker.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      env:
        - name: BROKER_ROLE
          value: {{ .brokerRole }}
        {{- if eq .role "api" }}
        - name: BROKER_PROCESSES
          value: {{ $root.Values.api.processesPerPod | quote }}
        {{- end }}
        {{- include "hie-broker.env" $root | nindent 8 }}
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
      startupProbe:
        httpGet: { path: /livez, port: http }
        periodSeconds: 2
        failureThreshold: 30
      livenessProbe:
        httpGet: { path: /livez, port: http }
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /readyz, port: http }
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      resources:
        {{- toYaml .resources | nindent 8 }}
      volumeMounts:
        {{- include "hie-broker.volumeMounts" $root | nindent 8 }}
  volumes:
    {{- include "hie-broker.volumes" $root | nindent 4 }}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* A role's HorizontalPodAutoscaler: include with (dict "root" $ "role" "api" "autoscaling" .Values.api.autoscaling). */}}
{{- define "hie-broker.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "hie-broker.fullname" .root }}-{{ .role }}
  labels:
    {{- include "hie-broker.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "hie-broker.fullname" .root }}-{{ .role }}
  minReplicas: {{ .autoscaling.minReplicas }}
  maxReplicas: {{ .autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .autoscaling.targetCPUUtilizationPercentage }}
{{- end }}

{{/* A role's PodDisruptionBudget: include with (dict "root" $ "role" "api" "budget" .Values.api.podDisruptionBudget). */}}
{{- define "hie-broker.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "hie-broker.fullname" .root }}-{{ .role }}
  labels:
    {{- include "hie-broker.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  {{- if hasKey .budget "minAvailable" }}
  minAvailable: {{ .budget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .budget.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "hie-broker.selectorLabels" (dict "root" .root "role" .role) | nindent 6 }}
{{- end }}
