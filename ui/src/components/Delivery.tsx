import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Toggle from "@cloudscape-design/components/toggle";
import type { DeliveryRecord, DeliveryStatus, ReportDelivery, Target } from "../types";
import { formatTime } from "../pages/format";

const STATUS: Record<DeliveryStatus, [StatusIndicatorProps.Type, string]> = {
  delivered: ["success", "Delivered"],
  retrying: ["warning", "Failed, will retry"],
  "gave-up": ["error", "Failed, given up"],
};

/** The addresses typed, split on commas, semicolons and spaces. */
export function addresses(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter((a) => a);
}

/** What a delivery left behind: the object's key and version, the message ID, or the error. */
export function deliveryDetail(r: DeliveryRecord): string {
  if (r.status !== "delivered") return r.error ?? "";
  if (r.channel === "s3") return `key ${r.key ?? "?"}${r.versionId ? `, version ${r.versionId}` : ""}`;
  return r.messageId ? `message ${r.messageId}` : "sent";
}

/** The schedule's delivery settings: which target's account delivers, to S3 and/or by e-mail. */
export function DeliveryFields({
  value,
  onChange,
  targets,
  fieldError,
}: {
  value: ReportDelivery | null | undefined;
  onChange: (d: ReportDelivery | undefined) => void;
  targets: Target[];
  fieldError: (path: string) => string | undefined;
}) {
  const d: ReportDelivery = value ?? { target: targets[0]?.name ?? "" };
  const set = (patch: Partial<ReportDelivery>) => onChange({ ...d, ...patch });
  const s3 = d.s3;
  const email = d.email;
  return (
    <SpaceBetween size="m">
      <FormField
        label="Delivered with"
        description="The target whose AWS account puts the reports into S3 and sends the e-mail (its credentials and recovery region)."
        errorText={fieldError("delivery.target")}
      >
        <Select
          selectedOption={d.target ? { value: d.target, label: d.target } : null}
          options={targets.map((t) => ({ value: t.name, label: t.name, description: `${t.accountId} · ${t.recoveryRegion}` }))}
          onChange={(e) => set({ target: e.detail.selectedOption.value ?? "" })}
          placeholder="Choose a target"
          ariaLabel="Delivering target"
        />
      </FormField>
      <Toggle
        checked={!!s3}
        onChange={(e) => set({ s3: e.detail.checked ? { bucket: "", prefix: "", encryption: "s3-managed" } : undefined })}
        data-testid="delivery-s3"
      >
        Put each report into an S3 bucket
      </Toggle>
      {s3 && (
        <ColumnLayout columns={3}>
          <FormField label="Bucket" errorText={fieldError("delivery.s3.bucket")}>
            <Input value={s3.bucket} onChange={(e) => set({ s3: { ...s3, bucket: e.detail.value } })} ariaLabel="Bucket" placeholder="dr-evidence" />
          </FormField>
          <FormField label="Key prefix" errorText={fieldError("delivery.s3.prefix")}>
            <Input value={s3.prefix} onChange={(e) => set({ s3: { ...s3, prefix: e.detail.value } })} ariaLabel="Key prefix" placeholder="drs/readiness/" />
          </FormField>
          <FormField label="Encryption at rest" errorText={fieldError("delivery.s3.kmsKeyId")}>
            <SpaceBetween size="xs">
              <SegmentedControl
                selectedId={s3.encryption}
                onChange={(e) =>
                  set({
                    s3: { ...s3, encryption: e.detail.selectedId as "s3-managed" | "kms", kmsKeyId: e.detail.selectedId === "kms" ? s3.kmsKeyId : undefined },
                  })
                }
                options={[
                  { id: "s3-managed", text: "SSE-S3" },
                  { id: "kms", text: "SSE-KMS" },
                ]}
              />
              {s3.encryption === "kms" && (
                <Input
                  value={s3.kmsKeyId ?? ""}
                  onChange={(e) => set({ s3: { ...s3, kmsKeyId: e.detail.value || undefined } })}
                  ariaLabel="KMS key"
                  placeholder="alias/dr-evidence (empty: aws/s3)"
                />
              )}
            </SpaceBetween>
          </FormField>
        </ColumnLayout>
      )}
      <Toggle
        checked={!!email}
        onChange={(e) => set({ email: e.detail.checked ? { from: "", to: [] } : undefined })}
        data-testid="delivery-email"
      >
        E-mail each report through SES (attached, with a one-paragraph summary)
      </Toggle>
      {email && (
        <ColumnLayout columns={2}>
          <FormField label="From" description="An address or domain verified in SES." errorText={fieldError("delivery.email.from")}>
            <Input value={email.from} onChange={(e) => set({ email: { ...email, from: e.detail.value } })} ariaLabel="From" placeholder="dr@example.com" />
          </FormField>
          <FormField
            label="To"
            description="Comma-separated."
            errorText={fieldError("delivery.email.to") ?? email.to.map((_, i) => fieldError(`delivery.email.to[${i}]`)).find((x) => x)}
          >
            <Input
              value={email.to.join(", ")}
              onChange={(e) => set({ email: { ...email, to: addresses(e.detail.value) } })}
              ariaLabel="To"
              placeholder="auditors@example.com"
            />
          </FormField>
        </ColumnLayout>
      )}
    </SpaceBetween>
  );
}

/** Each report's delivery: where it went (key and version, message ID) or why it did not. */
export function DeliveriesTable({ records, title, empty }: { records: DeliveryRecord[]; title: string; empty: string }) {
  return (
    <Table
      data-testid="schedule-deliveries"
      variant="embedded"
      header={
        <Box variant="h3" padding={{ top: "s" }}>
          {title}
        </Box>
      }
      items={records}
      columnDefinitions={[
        { id: "plan", header: "Plan", cell: (r) => r.plan },
        { id: "channel", header: "How", cell: (r) => (r.channel === "s3" ? "S3" : "E-mail") },
        { id: "destination", header: "To", cell: (r) => r.destination },
        {
          id: "status",
          header: "Status",
          cell: (r) => <StatusIndicator type={STATUS[r.status][0]}>{STATUS[r.status][1]}</StatusIndicator>,
        },
        { id: "detail", header: "Detail", cell: (r) => deliveryDetail(r) },
        { id: "attempts", header: "Attempts", cell: (r) => r.attempts },
        { id: "next", header: "Next attempt", cell: (r) => (r.nextAttempt ? formatTime(r.nextAttempt) : "—") },
      ]}
      empty={<Box color="inherit">{empty}</Box>}
      wrapLines
    />
  );
}
