import Alert from "@cloudscape-design/components/alert";
import Autosuggest from "@cloudscape-design/components/autosuggest";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Tiles from "@cloudscape-design/components/tiles";
import Toggle from "@cloudscape-design/components/toggle";
import { useState } from "react";
import { backend, toBackendError } from "../backend";
import { errorAt } from "../components/ProblemList";
import { useLoad } from "../components/useLoad";
import type { CredentialSource, Problem, SecretInput, ServiceEndpoints, Target } from "../types";

/** AWS Regions where Elastic Disaster Recovery runs (any other code can be typed). */
export const REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
  "ap-southeast-4", "ap-south-1", "ap-south-2", "ap-east-1", "me-south-1", "me-central-1", "af-south-1", "il-central-1",
  "us-gov-west-1", "us-gov-east-1",
];

type Kind = CredentialSource["kind"];

/** Everything the form edits, as plain strings and flags. */
interface Draft {
  name: string;
  accountId: string;
  primaryRegion: string;
  recoveryRegion: string;
  endpointUrl: string;
  endpoints: ServiceEndpoints;
  kind: Kind;
  profile: string;
  roleArn: string;
  via: string;
  viaKind: "profile" | "target";
  sessionName: string;
  needsExternalId: boolean;
  externalId: string;
  accessKeyId: string;
  secretAccessKey: string;
  hasSessionToken: boolean;
  sessionToken: string;
}

function draftOf(t: Target | null): Draft {
  const c = t?.credentials;
  return {
    name: t?.name ?? "",
    accountId: t?.accountId ?? "",
    primaryRegion: t?.primaryRegion ?? "us-east-1",
    recoveryRegion: t?.recoveryRegion ?? "us-west-2",
    endpointUrl: t?.endpointUrl ?? "",
    endpoints: t?.endpoints ?? {},
    kind: c?.kind ?? "profile",
    profile: c?.kind === "profile" ? c.profile : "",
    roleArn: c?.kind === "assumeRole" ? c.roleArn : "",
    via: c?.kind === "assumeRole" ? c.via : "",
    viaKind: c?.kind === "assumeRole" ? c.viaKind ?? "profile" : "profile",
    sessionName: c?.kind === "assumeRole" ? c.sessionName ?? "" : "",
    needsExternalId: c?.kind === "assumeRole" ? c.externalIdStored : false,
    externalId: "",
    accessKeyId: c?.kind === "accessKeys" ? c.accessKeyId : "",
    secretAccessKey: "",
    hasSessionToken: c?.kind === "accessKeys" ? c.sessionTokenStored : false,
    sessionToken: "",
  };
}

/** The target and the secrets to send; empty secret fields mean "keep what is stored". */
export function toRequest(d: Draft): { target: Target; secrets: SecretInput } {
  let credentials: CredentialSource;
  const secrets: SecretInput = {};
  switch (d.kind) {
    case "sandbox":
      credentials = { kind: "sandbox" };
      break;
    case "profile":
      credentials = { kind: "profile", profile: d.profile.trim() };
      break;
    case "assumeRole":
      credentials = {
        kind: "assumeRole",
        roleArn: d.roleArn.trim(),
        via: d.via.trim(),
        viaKind: d.viaKind,
        sessionName: d.sessionName.trim() || undefined,
        externalIdStored: d.needsExternalId,
      };
      if (d.needsExternalId && d.externalId !== "") secrets.externalId = d.externalId;
      break;
    case "accessKeys":
      credentials = { kind: "accessKeys", accessKeyId: d.accessKeyId.trim(), sessionTokenStored: d.hasSessionToken };
      if (d.secretAccessKey !== "") secrets.secretAccessKey = d.secretAccessKey;
      if (d.hasSessionToken && d.sessionToken !== "") secrets.sessionToken = d.sessionToken;
      break;
  }
  return {
    target: {
      name: d.name.trim(),
      accountId: d.accountId.trim(),
      primaryRegion: d.primaryRegion.trim(),
      recoveryRegion: d.recoveryRegion.trim(),
      endpointUrl: d.endpointUrl.trim() || undefined,
      endpoints: serviceEndpoints(d.endpoints),
      credentials,
    },
    secrets,
  };
}

/** The services whose endpoint can be set one by one (VPC interface endpoints answer one each). */
export const SERVICES: { key: keyof ServiceEndpoints; label: string }[] = [
  { key: "drs", label: "DRS" },
  { key: "ec2", label: "EC2" },
  { key: "sts", label: "STS" },
  { key: "ssm", label: "Systems Manager" },
  { key: "route53", label: "Route 53" },
  { key: "sns", label: "SNS (monitoring alerts)" },
  { key: "events", label: "EventBridge (monitoring rules)" },
  { key: "cloudwatch", label: "CloudWatch (lag alarms)" },
  { key: "s3", label: "S3 (report delivery)" },
  { key: "ses", label: "SES (report e-mail)" },
];

/** The endpoints typed, trimmed; none when every one is empty. */
export function serviceEndpoints(e: ServiceEndpoints): ServiceEndpoints | undefined {
  const out: ServiceEndpoints = {};
  for (const { key } of SERVICES) {
    const v = e[key]?.trim();
    if (v) out[key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

const KINDS: { value: Kind; label: string; description: string }[] = [
  { value: "profile", label: "AWS profile", description: "A profile of ~/.aws/config: SSO, credential_process, keys or a role." },
  { value: "assumeRole", label: "Assume a role", description: "Cross-account: a role assumed from a profile or another target." },
  { value: "accessKeys", label: "Access keys", description: "An access key; the secret is kept in the OS keychain." },
  { value: "sandbox", label: "Sandbox", description: "The built-in simulated AWS estate; no account needed." },
];

/**
 * Add or edit a target. Secrets are typed here once, sent to the backend, and kept only in the
 * OS keychain: when editing, the fields stay empty and say whether something is stored.
 */
export function TargetForm({
  editing,
  targets,
  keychainProblem,
  onClose,
  onSaved,
}: {
  editing: Target | null;
  targets: Target[];
  keychainProblem?: string | null;
  onClose: () => void;
  onSaved: (t: Target) => void;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(editing));
  const [problems, setProblems] = useState<Problem[]>();
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const profiles = useLoad(() => backend.profiles());
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));
  const err = (path: string) => errorAt(problems, path);
  const was = editing?.credentials;
  const storedSecret = was?.kind === "accessKeys" && d.kind === "accessKeys" && was.accessKeyId === d.accessKeyId.trim();
  const storedToken = storedSecret && was?.kind === "accessKeys" && was.sessionTokenStored;
  const storedExternalId = was?.kind === "assumeRole" && was.externalIdStored && d.kind === "assumeRole";
  const needsKeychain = d.kind === "accessKeys" || (d.kind === "assumeRole" && d.needsExternalId);

  const save = async () => {
    setSaving(true);
    setError(undefined);
    setProblems(undefined);
    try {
      const { target, secrets } = toRequest(d);
      const saved = await backend.saveTarget(target, secrets, editing ? "edit" : "add");
      onSaved(saved);
    } catch (e) {
      const be = toBackendError(e);
      if (be.code === "invalid" && be.problems?.length) setProblems(be.problems);
      else setError(be.message);
    } finally {
      setSaving(false);
    }
  };

  const profileOptions = (profiles.data ?? []).map((p) => ({
    value: p.name,
    description: [p.sso ? "SSO" : null, p.roleArn ? `role ${p.roleArn}` : null, p.region].filter(Boolean).join(" · ") || undefined,
  }));
  const otherTargets = targets.filter((t) => t.name !== editing?.name);
  const generalErrors = problems?.filter((p) => p.path === "credentials" || p.path === "");

  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={editing ? `Edit target ${editing.name}` : "Add target"}
      data-testid="target-form"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={saving} onClick={() => void save()} data-testid="target-save">
              {editing ? "Save changes" : "Add target"}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form>
        <SpaceBetween size="l">
          {error && (
            <Alert type="error" header="The target was not saved" data-testid="target-form-error">
              {error}
            </Alert>
          )}
          {generalErrors?.map((p, i) => (
            <Alert key={i} type="error">
              {p.message}
            </Alert>
          ))}
          {needsKeychain && keychainProblem && (
            <Alert type="warning" header="The OS keychain is not available">
              {keychainProblem}
            </Alert>
          )}
          <ColumnLayout columns={2}>
            <FormField label="Name" errorText={err("name")} description={editing ? "A target's name cannot change." : "How plans and groups refer to it."}>
              <Input value={d.name} disabled={!!editing} onChange={(e) => set({ name: e.detail.value })} data-testid="target-name" />
            </FormField>
            <FormField label="Account ID" errorText={err("accountId")} description="12 digits; a connection test checks it.">
              <Input value={d.accountId} inputMode="numeric" onChange={(e) => set({ accountId: e.detail.value })} data-testid="target-account" />
            </FormField>
            <FormField label="Primary region" errorText={err("primaryRegion")} description="Where source servers replicate from.">
              <Autosuggest
                value={d.primaryRegion}
                options={REGIONS.map((value) => ({ value }))}
                enteredTextLabel={(v) => `Use "${v}"`}
                onChange={(e) => set({ primaryRegion: e.detail.value })}
              />
            </FormField>
            <FormField label="Recovery region" errorText={err("recoveryRegion")} description="Where DRS launches recovery instances.">
              <Autosuggest
                value={d.recoveryRegion}
                options={REGIONS.map((value) => ({ value }))}
                enteredTextLabel={(v) => `Use "${v}"`}
                onChange={(e) => set({ recoveryRegion: e.detail.value })}
              />
            </FormField>
          </ColumnLayout>
          <FormField
            label={
              <span>
                Endpoint URL <i>- optional</i>
              </span>
            }
            errorText={err("endpointUrl")}
            description="A VPC endpoint, or an external sandbox (drs-orchestrator sandbox serve). Empty: AWS's own endpoints."
          >
            <Input value={d.endpointUrl} placeholder="https://…" onChange={(e) => set({ endpointUrl: e.detail.value })} data-testid="target-endpoint" />
          </FormField>
          <ExpandableSection
            headerText="Endpoints of single services"
            headerDescription="VPC interface endpoints answer one service each; a service without one uses the endpoint URL above, or AWS's own."
            defaultExpanded={!!serviceEndpoints(d.endpoints)}
            data-testid="target-service-endpoints"
          >
            <ColumnLayout columns={2}>
              {SERVICES.map(({ key, label }) => (
                <FormField key={key} label={label} errorText={err(`endpoints.${key}`)}>
                  <Input
                    value={d.endpoints[key] ?? ""}
                    placeholder="https://…"
                    ariaLabel={`${label} endpoint`}
                    onChange={(e) => set({ endpoints: { ...d.endpoints, [key]: e.detail.value } })}
                  />
                </FormField>
              ))}
            </ColumnLayout>
          </ExpandableSection>
          <FormField label="Credentials">
            <Tiles
              value={d.kind}
              columns={4}
              items={KINDS.map((k) => ({ ...k, controlId: `kind-${k.value}` }))}
              onChange={(e) => set({ kind: e.detail.value as Kind })}
            />
          </FormField>

          {d.kind === "profile" && (
            <FormField
              label="Profile"
              errorText={err("credentials.profile") ?? (profiles.error ? profiles.error.message : undefined)}
              description="Resolved by the AWS SDK's own providers: SSO, credential_process, role chains and keys."
            >
              <Autosuggest
                value={d.profile}
                options={profileOptions}
                statusType={profiles.loading ? "loading" : "finished"}
                empty="No profiles in the AWS config files"
                enteredTextLabel={(v) => `Use "${v}"`}
                onChange={(e) => set({ profile: e.detail.value })}
              />
            </FormField>
          )}

          {d.kind === "assumeRole" && (
            <SpaceBetween size="m">
              <FormField label="Role ARN" errorText={err("credentials.roleArn")}>
                <Input
                  value={d.roleArn}
                  placeholder="arn:aws:iam::444455556666:role/DRSOrchestratorRecovery"
                  onChange={(e) => set({ roleArn: e.detail.value })}
                  data-testid="target-role-arn"
                />
              </FormField>
              <FormField label="Assumed with the credentials of" errorText={err("credentials.via")}>
                <SpaceBetween size="xs">
                  <SegmentedControl
                    selectedId={d.viaKind}
                    options={[
                      { id: "profile", text: "A profile" },
                      { id: "target", text: "Another target" },
                    ]}
                    onChange={(e) => set({ viaKind: e.detail.selectedId as "profile" | "target", via: "" })}
                  />
                  {d.viaKind === "profile" ? (
                    <Autosuggest
                      value={d.via}
                      options={profileOptions}
                      enteredTextLabel={(v) => `Use "${v}"`}
                      placeholder="Base profile"
                      onChange={(e) => set({ via: e.detail.value })}
                    />
                  ) : (
                    <Select
                      selectedOption={d.via ? { value: d.via, label: d.via } : null}
                      options={otherTargets.map((t) => ({ value: t.name, label: t.name, description: `${t.accountId}` }))}
                      placeholder="Base target"
                      empty="No other target"
                      onChange={(e) => set({ via: e.detail.selectedOption.value ?? "" })}
                      data-testid="target-via"
                    />
                  )}
                </SpaceBetween>
              </FormField>
              <FormField
                label={
                  <span>
                    Session name <i>- optional</i>
                  </span>
                }
                errorText={err("credentials.sessionName")}
                description="Shown in CloudTrail; default drs-orchestrator."
              >
                <Input value={d.sessionName} onChange={(e) => set({ sessionName: e.detail.value })} />
              </FormField>
              <Toggle checked={d.needsExternalId} onChange={(e) => set({ needsExternalId: e.detail.checked })} data-testid="target-needs-external-id">
                The role's trust policy requires an external ID
              </Toggle>
              {d.needsExternalId && (
                <FormField
                  label="External ID"
                  errorText={err("credentials.externalId")}
                  description={storedExternalId ? "One is stored in the OS keychain. Leave empty to keep it." : "Kept only in the OS keychain."}
                >
                  <Input
                    type="password"
                    value={d.externalId}
                    placeholder={storedExternalId ? "•••••• (stored)" : ""}
                    onChange={(e) => set({ externalId: e.detail.value })}
                    data-testid="target-external-id"
                  />
                </FormField>
              )}
            </SpaceBetween>
          )}

          {d.kind === "accessKeys" && (
            <SpaceBetween size="m">
              <FormField label="Access key ID" errorText={err("credentials.accessKeyId")}>
                <Input value={d.accessKeyId} placeholder="AKIA…" onChange={(e) => set({ accessKeyId: e.detail.value })} data-testid="target-access-key-id" />
              </FormField>
              <FormField
                label="Secret access key"
                errorText={err("credentials.secretAccessKey")}
                description={storedSecret ? "Stored in the OS keychain. Leave empty to keep it." : "Kept only in the OS keychain; never shown again."}
              >
                <Input
                  type="password"
                  value={d.secretAccessKey}
                  placeholder={storedSecret ? "•••••• (stored)" : ""}
                  onChange={(e) => set({ secretAccessKey: e.detail.value })}
                  data-testid="target-secret"
                />
              </FormField>
              <Toggle checked={d.hasSessionToken} onChange={(e) => set({ hasSessionToken: e.detail.checked })}>
                Temporary keys (with a session token)
              </Toggle>
              {d.hasSessionToken && (
                <FormField
                  label="Session token"
                  errorText={err("credentials.sessionToken")}
                  description={storedToken ? "Stored in the OS keychain. Leave empty to keep it." : "Kept only in the OS keychain."}
                >
                  <Input type="password" value={d.sessionToken} placeholder={storedToken ? "•••••• (stored)" : ""} onChange={(e) => set({ sessionToken: e.detail.value })} />
                </FormField>
              )}
            </SpaceBetween>
          )}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
