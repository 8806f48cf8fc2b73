{{/* The release's resource name prefix. */}}
{{- define "mercluster.fullname" -}}
{{- printf "%s-mercluster" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every resource carries. */}}
{{- define "mercluster.labels" -}}
app.kubernetes.io/name: mercluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The Secret that holds the store URL under `url`. */}}
{{- define "mercluster.storeSecret" -}}
{{- default (printf "%s-store" (include "mercluster.fullname" .)) .Values.store.existingSecret -}}
{{- end -}}

{{/* The Secret that holds the API token under `token`. */}}
{{- define "mercluster.tokenSecret" -}}
{{- default (printf "%s-api-token" (include "mercluster.fullname" .)) .Values.apiToken.existingSecret -}}
{{- end -}}

{{/* The store URL: the external one, else the bundled PostgreSQL's. */}}
{{- define "mercluster.storeUrl" -}}
{{- if .Values.store.externalUrl -}}
{{- .Values.store.externalUrl -}}
{{- else -}}
{{- printf "postgres://%s:%s@%s-postgresql:5432/%s" .Values.postgresql.user .Values.postgresql.password (include "mercluster.fullname" .) .Values.postgresql.database -}}
{{- end -}}
{{- end -}}

{{/* Whether the bundled PostgreSQL runs. */}}
{{- define "mercluster.bundledPostgres" -}}
{{- if and (not .Values.store.externalUrl) (not .Values.store.existingSecret) -}}true{{- end -}}
{{- end -}}

{{/* The service account of the coordinator and the silos (the one rbac.yaml creates, or rbac.serviceAccountName). */}}
{{- define "mercluster.serviceAccount" -}}
{{- if .Values.rbac.create -}}
{{- printf "%s-silo" (include "mercluster.fullname" .) -}}
{{- else -}}
{{- default "default" .Values.rbac.serviceAccountName -}}
{{- end -}}
{{- end -}}

{{/* What Orleans' Kubernetes hosting reads from the environment: this pod's name, namespace and IP (downward API) and the cluster's ids, both MerCluster's cluster name (ClusterNames.Cluster). */}}
{{- define "mercluster.podEnvironment" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: ORLEANS_CLUSTER_ID
  value: mercluster
- name: ORLEANS_SERVICE_ID
  value: mercluster
{{- end -}}

{{/* The data volume of the coordinator and the silos. */}}
{{- define "mercluster.dataVolume" -}}
- name: data
{{- if .Values.data.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.data.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}
