{{/*
Names and labels.
*/}}

{{- define "sunshine.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name when it already contains the chart
name. Kept short enough for the "-scheduler"/"-migrate" suffixes (63 characters).
*/}}
{{- define "sunshine.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sunshine.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of the release (every component). */}}
{{- define "sunshine.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sunshine.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "api"). */}}
{{- define "sunshine.componentSelectorLabels" -}}
{{ include "sunshine.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Standard labels: (dict "root" $ "component" "api"); component may be empty. */}}
{{- define "sunshine.labels" -}}
{{- $root := .root -}}
helm.sh/chart: {{ include "sunshine.chart" $root }}
{{ include "sunshine.selectorLabels" $root }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
app.kubernetes.io/version: {{ include "sunshine.imageTag" $root | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: sunshine
{{- end }}

{{- define "sunshine.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sunshine.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "sunshine.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "sunshine.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "sunshine.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
The public URL: http.publicUrl, else the first ingress host (https when a TLS entry
names it).
*/}}
{{- define "sunshine.publicUrl" -}}
{{- if .Values.http.publicUrl }}
{{- .Values.http.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $scheme := "http" }}
{{- range .Values.ingress.tls }}
{{- if has $host .hosts }}{{ $scheme = "https" }}{{ end }}
{{- end }}
{{- printf "%s://%s" $scheme $host }}
{{- end }}
{{- end }}

{{/*
Guards the level rules the schema states, for renderers that skip the schema
(helm template --skip-schema-validation).
*/}}
{{- define "sunshine.validate" -}}
{{- $level := .Values.deployment.level }}
{{- if not (has $level (list "city" "county")) }}
{{- fail (printf "deployment.level must be city or county, not %q" $level) }}
{{- end }}
{{- if and (eq $level "county") (empty .Values.deployment.tenants) }}
{{- fail "deployment.tenants: a county-level release must name its tenant codes" }}
{{- end }}
{{- if and (eq $level "county") .Values.scheduler.enabled }}
{{- fail "scheduler.enabled: the scheduler runs city-wide jobs and only at the city level" }}
{{- end }}
{{- range .Values.deployment.tenants }}
{{- if not (regexMatch "^[0-9]{6}$" (toString .)) }}
{{- fail (printf "deployment.tenants: %q is not a six-digit division code" (toString .)) }}
{{- end }}
{{- end }}
{{- if eq (int .Values.metrics.port) (int .Values.http.port) }}
{{- fail (printf "metrics.port (%v) must differ from http.port: /metrics is never served on the public port" .Values.metrics.port) }}
{{- end }}
{{- if ne (int .Values.scheduler.replicas) 1 }}
{{- fail "scheduler.replicas must be 1: the scheduler is a singleton" }}
{{- end }}
{{- range $name := list "api" "worker" }}
{{- $c := index $.Values $name }}
{{- if and $c.autoscaling.enabled (gt (int $c.autoscaling.minReplicas) (int $c.autoscaling.maxReplicas)) }}
{{- fail (printf "%s.autoscaling.minReplicas (%v) must not exceed maxReplicas (%v)" $name $c.autoscaling.minReplicas $c.autoscaling.maxReplicas) }}
{{- end }}
{{- end }}
{{- if and .Values.tenants.apply (eq .Values.tenants.source "existingConfigMap") (not .Values.tenants.existingConfigMap) }}
{{- fail "tenants.existingConfigMap: name the ConfigMap holding the manifests (tenants.source is existingConfigMap)" }}
{{- end }}
{{- end }}

{{/*
Non-secret settings as a dict of environment variables: the ConfigMap's data and the
migration Job's env (a pre-install hook runs before the ConfigMap exists).
*/}}
{{- define "sunshine.configEnv" -}}
{{- $v := .Values }}
{{- $env := dict }}
{{- $_ := set $env "SUNSHINE_MODE" "production" }}
{{- $_ := set $env "SUNSHINE_HTTP_ADDR" (printf "0.0.0.0:%d" (int $v.http.port)) }}
{{- $_ := set $env "SUNSHINE_METRICS_ADDR" (printf "0.0.0.0:%d" (int $v.metrics.port)) }}
{{- with (include "sunshine.publicUrl" .) }}
{{- $_ := set $env "SUNSHINE_HTTP_PUBLIC_URL" . }}
{{- end }}
{{- with $v.http.trustedProxies }}
{{- $_ := set $env "SUNSHINE_HTTP_TRUSTED_PROXIES" (join "," .) }}
{{- end }}
{{- $_ := set $env "SUNSHINE_HTTP_SECURE_COOKIES" $v.http.secureCookies }}
{{- $_ := set $env "SUNSHINE_LOG_LEVEL" $v.log.level }}
{{- $_ := set $env "SUNSHINE_LOG_FORMAT" $v.log.format }}
{{- $_ := set $env "SUNSHINE_DEPLOYMENT_LEVEL" $v.deployment.level }}
{{- with $v.deployment.tenants }}
{{- $codes := list }}
{{- range . }}{{ $codes = append $codes (toString .) }}{{ end }}
{{- $_ := set $env "SUNSHINE_DEPLOYMENT_TENANTS" (join "," $codes) }}
{{- end }}
{{- $_ := set $env "SUNSHINE_JOBS_PER_TENANT_QUEUES" (ternary "true" "false" $v.jobs.perTenantQueues) }}
{{- $_ := set $env "SUNSHINE_JOBS_QUEUE_WEIGHTS" $v.jobs.queueWeights }}
{{- $_ := set $env "SUNSHINE_JOBS_CONCURRENCY" (toString (int $v.worker.concurrency)) }}
{{- $_ := set $env "SUNSHINE_DATABASE_APP_ROLE" $v.database.appRole }}
{{- $_ := set $env "SUNSHINE_DATABASE_MAX_OPEN_CONNS" (toString (int $v.database.maxOpenConns)) }}
{{- $_ := set $env "SUNSHINE_DATABASE_MAX_IDLE_CONNS" (toString (int $v.database.maxIdleConns)) }}
{{- $_ := set $env "SUNSHINE_DATABASE_CONN_MAX_LIFETIME" $v.database.connMaxLifetime }}
{{- $_ := set $env "SUNSHINE_DATABASE_MIGRATE_ON_START" "false" }}
{{- with $v.redis.sentinel.master }}
{{- $_ := set $env "SUNSHINE_REDIS_SENTINEL_MASTER" . }}
{{- $_ := set $env "SUNSHINE_REDIS_SENTINEL_ADDRS" (join "," $v.redis.sentinel.addrs) }}
{{- end }}
{{- $_ := set $env "SUNSHINE_FILES_URL" $v.files.url }}
{{- $_ := set $env "SUNSHINE_FILES_MAX_BYTES" (toString (int64 $v.files.maxBytes)) }}
{{- with $v.notify.smtp.addr }}
{{- $_ := set $env "SUNSHINE_NOTIFY_SMTP_ADDR" . }}
{{- end }}
{{- with $v.notify.smtp.from }}
{{- $_ := set $env "SUNSHINE_NOTIFY_SMTP_FROM" . }}
{{- end }}
{{- with $v.notify.smtp.username }}
{{- $_ := set $env "SUNSHINE_NOTIFY_SMTP_USERNAME" . }}
{{- end }}
{{- range $k, $val := $v.extraConfig }}
{{- /* Numbers arrive as float64: write whole numbers without an exponent. */}}
{{- $_ := set $env $k (ternary (toString (int64 $val)) (toString $val) (kindIs "float64" $val)) }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/*
Secret settings: env entries read from existing Secrets, never values.
(dict "root" $ "owner" true) — owner adds DATABASE_URL.
*/}}
{{- define "sunshine.secretEnv" -}}
{{- $db := .root.Values.database }}
{{- if .owner }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.ownerUrlKey }}
{{- end }}
{{- if $db.appUrlKey }}
- name: SUNSHINE_DATABASE_APP_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.appUrlKey }}
{{- end }}
{{- if $db.appPasswordKey }}
- name: SUNSHINE_DATABASE_APP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.appPasswordKey }}
{{- end }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.redis.existingSecret }}
      key: {{ .root.Values.redis.urlKey }}
{{- with .root.Values.files }}
{{- if .existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .accessKeyIdKey }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .secretAccessKeyKey }}
{{- end }}
{{- end }}
{{- with .root.Values.notify.smtp }}
{{- if and .addr .existingSecret }}
- name: SUNSHINE_NOTIFY_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* imagePullSecrets: names or {name: …} objects. */}}
{{- define "sunshine.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  {{- if kindIs "map" . }}
  - name: {{ .name }}
  {{- else }}
  - name: {{ . }}
  {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by every pod. */}}
{{- define "sunshine.podSpecCommon" -}}
serviceAccountName: {{ include "sunshine.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- include "sunshine.imagePullSecrets" . }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* The /tmp emptyDir (the root filesystem is read-only). */}}
{{- define "sunshine.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/*
A Deployment of one role: (dict "root" $ "component" "api").
The scheduler is forced to one replica with the Recreate strategy whatever the values say.
*/}}
{{- define "sunshine.deployment" -}}
{{- $root := .root }}
{{- $name := .component }}
{{- $c := index $root.Values $name }}
{{- $singleton := eq $name "scheduler" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "sunshine.fullname" $root }}-{{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sunshine.labels" (dict "root" $root "component" $name) | nindent 4 }}
spec:
  {{- if $singleton }}
  replicas: 1
  strategy:
    type: Recreate
  {{- else }}
  {{- if not $c.autoscaling.enabled }}
  replicas: {{ $c.replicas }}
  {{- end }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "sunshine.componentSelectorLabels" (dict "root" $root "component" $name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sunshine.labels" (dict "root" $root "component" $name) | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $c.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "sunshine.podSpecCommon" $root | nindent 6 }}
      terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $name }}
          image: {{ include "sunshine.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ $name | quote }}]
          ports:
            {{- if eq $name "api" }}
            - name: http
              containerPort: {{ $root.Values.http.port }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "sunshine.fullname" $root }}
          env:
            {{- include "sunshine.secretEnv" (dict "root" $root "owner" $root.Values.database.ownerUrlInRuntimePods) | trim | nindent 12 }}
            {{- with $c.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with $c.startupProbe }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $c.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $c.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        {{- include "sunshine.tmpVolume" $root | nindent 8 }}
      {{- with $c.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if not $singleton }}
      {{- if or $c.topologySpreadConstraints $c.spreadAcrossNodes }}
      topologySpreadConstraints:
        {{- with $c.topologySpreadConstraints }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- if $c.spreadAcrossNodes }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "sunshine.componentSelectorLabels" (dict "root" $root "component" $name) | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- end }}
{{- end }}

{{/* HorizontalPodAutoscaler of one role: (dict "root" $ "component" "api"). */}}
{{- define "sunshine.hpa" -}}
{{- $root := .root }}
{{- $name := .component }}
{{- $a := (index $root.Values $name).autoscaling }}
{{- if $a.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "sunshine.fullname" $root }}-{{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sunshine.labels" (dict "root" $root "component" $name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "sunshine.fullname" $root }}-{{ $name }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
    {{- if $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $a.targetMemoryUtilizationPercentage }}
    {{- end }}
{{- end }}
{{- end }}

{{/* PodDisruptionBudget of one role: (dict "root" $ "component" "api"). */}}
{{- define "sunshine.pdb" -}}
{{- $root := .root }}
{{- $name := .component }}
{{- $p := (index $root.Values $name).pdb }}
{{- if $p.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "sunshine.fullname" $root }}-{{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sunshine.labels" (dict "root" $root "component" $name) | nindent 4 }}
spec:
  {{- if ne (toString $p.minAvailable) "" }}
  minAvailable: {{ $p.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $p.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "sunshine.componentSelectorLabels" (dict "root" $root "component" $name) | nindent 6 }}
{{- end }}
{{- end }}

{{/*
The tenant manifests to apply, as "dir" (where the Job reads them) and "configMap"
(the ConfigMap to mount, empty for the image's own directory); empty when none.
*/}}
{{- define "sunshine.tenantsSource" -}}
{{- $t := .Values.tenants }}
{{- if and $t.apply .Values.migrations.enabled }}
{{- if eq $t.source "image" }}
dir: /etc/sunshine/tenants
configMap: ""
{{- else if eq $t.source "existingConfigMap" }}
dir: {{ $t.mountPath }}
configMap: {{ $t.existingConfigMap }}
{{- else if or (.Files.Glob "tenants/*.yaml") $t.inline }}
dir: {{ $t.mountPath }}
configMap: {{ include "sunshine.fullname" . }}-tenants
{{- end }}
{{- end }}
{{- end }}
