/*
 * Sentinel's default notification templates, loaded before the files of `templates:`. They define
 * every name Alertmanager 0.25's default templates define (so configs that reference them keep
 * working), with Sentinel's own content, plus Sentinel's own names (sentinel.*, matrix.*, ntfy.*).
 * Names starting with "__sentinel" are helpers. docs/templates.md describes what each renders.
 */

export const DEFAULTS_SOURCE = 'sentinel-defaults.tmpl';

export const DEFAULT_TEMPLATES = `
{{/* ---------- Helpers ---------- */}}

{{ define "__alertmanager" }}Sentinel{{ end }}

{{/* Where the group's alerts can be looked at: Sentinel's alert list, when external_url is set. */}}
{{ define "__alertmanagerURL" -}}
{{ with .ExternalURL }}{{ reReplaceAll "/+$" "" . }}/api/v1/alerts?state={{ $.Status }}
{{- with $.CommonLabels.service }}&service={{ urlquery . }}{{ end }}{{ end }}
{{- end }}

{{/* "[FIRING:2] <group label values> (<other common label values>)" */}}
{{ define "__subject" -}}
[{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}]
{{- range .GroupLabels.SortedPairs }} {{ .Value }}{{ end }}
{{- with .CommonLabels.Remove .GroupLabels.Names }} ({{ join " " .Values }}){{ end }}
{{- end }}

{{ define "__description" -}}
{{ with .CommonAnnotations.summary }}{{ . }}{{ else with .CommonAnnotations.description }}{{ . }}{{ end }}
{{- end }}

{{/* Dot: an alert. Its title, else its alertname, else its fingerprint. */}}
{{ define "__sentinel_name" }}{{ or .Title .Labels.alertname .Fingerprint }}{{ end }}

{{/* Dot: a severity name. */}}
{{ define "__sentinel_emoji" -}}
{{ if eq . "critical" }}🔴{{ else if eq . "warning" }}🟠{{ else }}🔵{{ end }}
{{- end }}

{{/* Dot: the data. ✅ when resolved, else the emoji of the most severe firing alert. */}}
{{ define "__sentinel_group_emoji" -}}
{{ if eq .Status "resolved" }}✅{{ else -}}
{{ $sev := "info" -}}
{{ range .Alerts.Firing }}{{ if eq .Severity "critical" }}{{ $sev = "critical" }}{{ else if and (eq .Severity "warning") (ne $sev "critical") }}{{ $sev = "warning" }}{{ end }}{{ end -}}
{{ template "__sentinel_emoji" $sev }}{{ end }}
{{- end }}

{{/* Dot: an alert. "🔴 quote-ingest: No quotes for 5 minutes x10 (flapping)" */}}
{{ define "__sentinel_alert_line" -}}
{{ if eq .Status "resolved" }}✅{{ else }}{{ template "__sentinel_emoji" .Severity }}{{ end }} {{ with .Service }}{{ . }}: {{ end }}{{ template "__sentinel_name" . }}
{{- if gt .NewOccurrences 1 }} x{{ .NewOccurrences }}{{ end }}{{ if .Flapping }} (flapping){{ end }}
{{- end }}

{{/* Dot: a KV. "a=1, b=2" */}}
{{ define "__sentinel_labels" -}}
{{ range $i, $p := .SortedPairs }}{{ if $i }}, {{ end }}{{ $p.Name }}={{ $p.Value }}{{ end }}
{{- end }}

{{/* Dot: a list of alerts. Plain text, one block per alert. */}}
{{ define "__text_alert_list" -}}
{{ range . -}}
- {{ template "__sentinel_name" . }}{{ if gt .NewOccurrences 1 }} x{{ .NewOccurrences }}{{ end }}{{ if .Flapping }} (flapping){{ end }}
{{ with .Message }}  {{ . }}
{{ else with .Annotations.description }}  {{ . }}
{{ end -}}
{{ with .Labels }}  Labels: {{ template "__sentinel_labels" . }}
{{ end -}}
{{ with .Annotations.runbook_url }}  Runbook: {{ . }}
{{ end -}}
{{ with .GeneratorURL }}  Source: {{ . }}
{{ end -}}
{{ if eq .Status "resolved" }}  Resolved: {{ .EndsAt.Format "2006-01-02 15:04:05 MST" }}{{ else }}  Since: {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ end }}
{{ end -}}
{{- end }}

{{/* Dot: the data. Firing alerts, then resolved ones, then how many were left out. */}}
{{ define "__sentinel_sections" -}}
{{ with .Alerts.Firing }}Firing ({{ len . }}):
{{ template "__text_alert_list" . }}{{ end -}}
{{ with .Alerts.Resolved }}{{ if $.Alerts.Firing }}
{{ end }}Resolved ({{ len . }}):
{{ template "__text_alert_list" . }}{{ end -}}
{{ with .TruncatedAlerts }}
({{ . }} more alerts not shown)
{{ end -}}
{{- end }}

{{/* Dot: the data. Sections, then the link. */}}
{{ define "__sentinel_message" -}}
{{ template "__sentinel_sections" . }}{{ with .ExternalURL }}
{{ template "__alertmanagerURL" $ }}{{ end }}
{{- end }}

{{/* ---------- Sentinel ---------- */}}

{{/* "🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10 (flapping)" */}}
{{ define "sentinel.default.title" -}}
{{ template "__sentinel_group_emoji" . }} {{ template "__sentinel_title_plain" . }}
{{- end }}

{{ define "__sentinel_title_plain" -}}
[{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}]
{{- $lead := .Alerts }}{{ with .Alerts.Firing }}{{ $lead = . }}{{ end -}}
{{ with $lead }}{{ with index . 0 }} {{ with .Service }}{{ . }}: {{ end }}{{ template "__sentinel_name" . }}
{{- if and (eq .Status "firing") (gt .NewOccurrences 1) }} x{{ .NewOccurrences }}{{ end }}{{ end }}{{ end -}}
{{ $flapping := false }}{{ range .Alerts }}{{ if .Flapping }}{{ $flapping = true }}{{ end }}{{ end -}}
{{ if $flapping }} (flapping){{ end }}
{{- end }}

{{ define "sentinel.default.text" -}}
{{ range $i, $a := .Alerts -}}
{{ if $i }}
{{ end -}}
{{ template "__sentinel_alert_line" $a }}
{{ with $a.Annotations.summary }}{{ if ne . $a.Title }}{{ . }}
{{ end }}{{ end -}}
{{ with $a.Message }}{{ . }}
{{ else with $a.Annotations.description }}{{ . }}
{{ end -}}
{{ with $a.Labels }}Labels: {{ template "__sentinel_labels" . }}
{{ end -}}
{{ with $a.Annotations.runbook_url }}Runbook: {{ . }}
{{ end -}}
{{ with $a.Annotations.dashboard_url }}Dashboard: {{ . }}
{{ else with $.ExternalURL }}Details: {{ reReplaceAll "/+$" "" . }}/api/v1/alerts/{{ $a.Ref }}
{{ end -}}
{{ if eq $a.Status "resolved" }}Resolved: {{ $a.EndsAt.Format "2006-01-02 15:04:05 MST" }}{{ else }}Since: {{ $a.StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ end }}
{{ end -}}
{{ with .TruncatedAlerts }}
({{ . }} more alerts not shown)
{{ end -}}
{{- end }}

{{ define "matrix.default.body" -}}
{{ template "sentinel.default.title" . }}

{{ template "sentinel.default.text" . }}
{{- end }}

{{/* For HTML mode (executeHtml): values are escaped, links only for http(s) URLs. */}}
{{ define "matrix.default.html" -}}
<p><strong>{{ template "sentinel.default.title" . }}</strong></p>
<ul>
{{ range .Alerts -}}
<li>{{ template "__sentinel_alert_line" . }}
{{- with .Message }}<br>{{ . }}{{ end }}
{{- with .Annotations.runbook_url }}{{ if match "^https?://" . }}<br><a href="{{ . }}">Runbook</a>{{ end }}{{ end }}
{{- with .Annotations.dashboard_url }}{{ if match "^https?://" . }} · <a href="{{ . }}">Dashboard</a>{{ end }}{{ end }}</li>
{{ end -}}
</ul>
{{- with .TruncatedAlerts }}
<p>({{ . }} more alerts not shown)</p>{{ end }}
{{- end }}

{{ define "ntfy.default.title" }}{{ template "__sentinel_title_plain" . }}{{ end }}

{{ define "ntfy.default.message" -}}
{{ range .Alerts -}}
{{ template "__sentinel_alert_line" . }}
{{ with .Message }}{{ . }}
{{ end }}{{ end -}}
{{ with .TruncatedAlerts }}({{ . }} more alerts not shown)
{{ end -}}
{{- end }}

{{/* ---------- Alertmanager-compatible names ---------- */}}

{{ define "slack.default.title" }}{{ template "sentinel.default.title" . }}{{ end }}
{{ define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "slack.default.fallback" }}{{ template "__subject" . }}{{ with .ExternalURL }} | {{ template "__alertmanagerURL" $ }}{{ end }}{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{/* Empty, as Alertmanager's: Sentinel's Slack message lists every alert in blocks of its own. */}}
{{ define "slack.default.text" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}

{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
{{/* A complete HTML document, for HTML mode (executeHtml). */}}
{{ define "email.default.html" -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ template "__subject" . }}</title>
</head>
<body style="margin:0;padding:16px;background:#f3f4f6;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb">
<tr><td style="padding:14px 18px;font-size:16px;font-weight:bold;color:#ffffff;background:{{ if eq .Status "firing" }}#b91c1c{{ else }}#15803d{{ end }}">{{ template "sentinel.default.title" . }}</td></tr>
{{ range .Alerts -}}
<tr><td style="padding:12px 18px;border-top:1px solid #e5e7eb">
<div style="font-weight:bold">{{ template "__sentinel_alert_line" . }}</div>
{{ with .Message }}<div style="margin-top:4px;white-space:pre-wrap">{{ . }}</div>
{{ else with .Annotations.description }}<div style="margin-top:4px;white-space:pre-wrap">{{ . }}</div>
{{ end -}}
{{ with .Labels }}<div style="margin-top:6px;font-size:12px;color:#4b5563">{{ template "__sentinel_labels" . }}</div>
{{ end -}}
<div style="margin-top:6px;font-size:12px">{{ if eq .Status "resolved" }}Resolved {{ .EndsAt.Format "2006-01-02 15:04:05 MST" }}{{ else }}Since {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ end }}
{{- with .Annotations.runbook_url }}{{ if match "^https?://" . }} · <a href="{{ . }}">Runbook</a>{{ end }}{{ end }}
{{- with .Annotations.dashboard_url }}{{ if match "^https?://" . }} · <a href="{{ . }}">Dashboard</a>{{ end }}{{ end }}
{{- with .GeneratorURL }}{{ if match "^https?://" . }} · <a href="{{ . }}">Source</a>{{ end }}{{ end }}</div>
</td></tr>
{{ end -}}
<tr><td style="padding:10px 18px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280">
{{- with .TruncatedAlerts }}{{ . }} more alerts not shown. {{ end -}}
Sent by {{ template "__alertmanager" . }} to {{ .Receiver }}.
{{- with .ExternalURL }}{{ if match "^https?://" . }} <a href="{{ template "__alertmanagerURL" $ }}">Open in Sentinel</a>{{ end }}{{ end -}}
</td></tr>
</table>
</body>
</html>
{{ end }}

{{ define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end }}
{{ define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end }}

{{ define "opsgenie.default.message" }}{{ template "__subject" . }}{{ end }}
{{ define "opsgenie.default.description" }}{{ template "__sentinel_sections" . }}{{ end }}
{{ define "opsgenie.default.source" }}{{ template "__alertmanagerURL" . }}{{ end }}

{{ define "wechat.default.message" }}{{ template "__subject" . }}
{{ template "__sentinel_message" . }}{{ end }}
{{ define "wechat.default.to_user" }}{{ end }}
{{ define "wechat.default.to_party" }}{{ end }}
{{ define "wechat.default.to_tag" }}{{ end }}
{{ define "wechat.default.agent_id" }}{{ end }}

{{ define "victorops.default.state_message" }}{{ template "__sentinel_message" . }}{{ end }}
{{ define "victorops.default.entity_display_name" }}{{ template "__subject" . }}{{ end }}
{{ define "victorops.default.monitoring_tool" }}{{ template "__alertmanager" . }}{{ end }}

{{ define "pushover.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "pushover.default.message" }}{{ template "__sentinel_sections" . }}{{ end }}
{{ define "pushover.default.url" }}{{ template "__alertmanagerURL" . }}{{ end }}

{{ define "sns.default.subject" }}{{ template "__subject" . }}{{ end }}
{{ define "sns.default.message" }}{{ template "__sentinel_message" . }}{{ end }}

{{ define "telegram.default.message" }}{{ template "sentinel.default.title" . }}

{{ template "__sentinel_sections" . }}{{ end }}

{{ define "discord.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "discord.default.message" }}{{ template "__sentinel_message" . }}{{ end }}

{{ define "webex.default.message" }}{{ template "sentinel.default.title" . }}

{{ template "__sentinel_message" . }}{{ end }}
`;
