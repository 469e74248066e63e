import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Checkbox from "@cloudscape-design/components/checkbox";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Grid from "@cloudscape-design/components/grid";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Multiselect from "@cloudscape-design/components/multiselect";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Tabs from "@cloudscape-design/components/tabs";
import Textarea from "@cloudscape-design/components/textarea";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState, Loading } from "../components/PageState";
import { ProblemList, errorAt } from "../components/ProblemList";
import { RevisionHistory } from "../components/RevisionHistory";
import { UnsavedChangesGuard } from "../components/UnsavedChangesGuard";
import { useLiveValidation } from "../components/useLiveValidation";
import { useLoad } from "../components/useLoad";
import { WaveGraph } from "../components/WaveGraph";
import type { PlanStep, Problem, RecoveryPlan, Wave } from "../types";

const EMPTY_PLAN: RecoveryPlan = { name: "", description: "", rtoTargetMinutes: 60, waves: [] };

const POLICIES = [
  { value: "stop", label: "Stop the plan" },
  { value: "continue", label: "Continue with later waves" },
];

/** A new wave named after its position, depending on the wave before it. */
export function newWave(waves: Wave[]): Wave {
  const taken = new Set(waves.map((w) => w.name));
  let n = waves.length + 1;
  while (taken.has(`wave ${n}`)) n++;
  const last = waves[waves.length - 1];
  return {
    name: `wave ${n}`,
    groups: [],
    dependsOn: last ? [last.name] : [],
    approvalRequired: false,
    onFailure: "stop",
  };
}

/** Renames a wave and every dependency that points at it. */
export function renameWave(waves: Wave[], index: number, name: string): Wave[] {
  const old = waves[index].name;
  return waves.map((w, i) =>
    i === index ? { ...w, name } : { ...w, dependsOn: w.dependsOn?.map((d) => (d === old ? name : d)) },
  );
}

/** Removes a wave and every dependency on it. */
export function removeWave(waves: Wave[], index: number): Wave[] {
  const gone = waves[index].name;
  return waves.filter((_, i) => i !== index).map((w) => ({ ...w, dependsOn: w.dependsOn?.filter((d) => d !== gone) }));
}

/** A minutes field: empty → unset; otherwise a whole number in u32 range (the backend then
 *  says what is wrong with 0 or an absurd value, next to the field). */
export function numberOrUndefined(v: string): number | undefined {
  if (v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) return undefined;
  return Math.min(4294967295, Math.max(0, Math.trunc(n)));
}

function WaveEditor({
  wave,
  index,
  waves,
  groups,
  problems,
  onChange,
  onMove,
  onRemove,
}: {
  wave: Wave;
  index: number;
  waves: Wave[];
  groups: string[];
  problems: Problem[] | undefined;
  onChange: (w: Wave) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}) {
  const base = `waves[${index}]`;
  const otherWaves = waves.filter((_, i) => i !== index).map((w) => w.name);
  const groupOptions = groups.map((g) => ({ value: g, label: g }));
  const depError = [errorAt(problems, `${base}.dependsOn`), ...(wave.dependsOn ?? []).map((_, j) => errorAt(problems, `${base}.dependsOn[${j}]`))]
    .filter(Boolean)
    .join("; ");
  const groupError = [errorAt(problems, `${base}.groups`), ...wave.groups.map((_, j) => errorAt(problems, `${base}.groups[${j}]`))]
    .filter(Boolean)
    .join("; ");
  return (
    <Container
      data-testid={`wave-${index}`}
      header={
        <Header
          variant="h3"
          actions={
            <SpaceBetween direction="horizontal" size="xxs">
              <Button iconName="angle-up" variant="icon" ariaLabel="Move wave up" disabled={index === 0} onClick={() => onMove(-1)} />
              <Button
                iconName="angle-down"
                variant="icon"
                ariaLabel="Move wave down"
                disabled={index === waves.length - 1}
                onClick={() => onMove(1)}
              />
              <Button iconName="remove" variant="icon" ariaLabel="Remove wave" onClick={onRemove} data-testid={`remove-wave-${index}`} />
            </SpaceBetween>
          }
        >
          Wave {index + 1}
        </Header>
      }
    >
      <ColumnLayout columns={2}>
        <FormField label="Name" errorText={errorAt(problems, `${base}.name`)}>
          <Input value={wave.name} onChange={(e) => onChange({ ...wave, name: e.detail.value })} data-testid={`wave-name-${index}`} />
        </FormField>
        <FormField label="Protection groups" errorText={groupError || undefined} description="Launched together, in parallel.">
          <Multiselect
            data-testid={`wave-groups-${index}`}
            selectedOptions={wave.groups.map((g) => ({ value: g, label: g }))}
            options={groupOptions}
            placeholder={groups.length ? "Choose groups" : "No protection groups yet"}
            empty="Create a protection group first"
            filteringType="auto"
            onChange={(e) => onChange({ ...wave, groups: e.detail.selectedOptions.map((o) => o.value ?? "") })}
          />
        </FormField>
        <FormField
          label="Starts after"
          errorText={depError || undefined}
          description={wave.dependsOn === undefined && index > 0 ? `Not set: after "${waves[index - 1].name}".` : "Waves that must finish first."}
        >
          <Multiselect
            data-testid={`wave-deps-${index}`}
            selectedOptions={(wave.dependsOn ?? []).map((d) => ({ value: d, label: d }))}
            options={otherWaves.map((w) => ({ value: w, label: w }))}
            placeholder={wave.dependsOn === undefined && index > 0 ? `After "${waves[index - 1].name}"` : "Starts with the first wave"}
            empty="No other waves"
            onChange={(e) => onChange({ ...wave, dependsOn: e.detail.selectedOptions.map((o) => o.value ?? "") })}
          />
        </FormField>
        <FormField label="If a server fails">
          <Select
            selectedOption={POLICIES.find((p) => p.value === wave.onFailure) ?? POLICIES[0]}
            options={POLICIES}
            onChange={(e) => onChange({ ...wave, onFailure: e.detail.selectedOption.value as Wave["onFailure"] })}
          />
        </FormField>
        <FormField label="Timeout (minutes)" errorText={errorAt(problems, `${base}.timeoutMinutes`)} description="Empty: no timeout.">
          <Input
            type="number"
            value={wave.timeoutMinutes?.toString() ?? ""}
            onChange={(e) => onChange({ ...wave, timeoutMinutes: numberOrUndefined(e.detail.value) })}
          />
        </FormField>
        <FormField label="Approval">
          <Checkbox checked={wave.approvalRequired} onChange={(e) => onChange({ ...wave, approvalRequired: e.detail.checked })}>
            Wait for an approval before this wave starts
          </Checkbox>
        </FormField>
      </ColumnLayout>
      <StepsEditor wave={wave} index={index} problems={problems} onChange={onChange} />
    </Container>
  );
}

const STEP_PHASES = [
  { value: "before", label: "Before the launch" },
  { value: "after", label: "After the launch" },
];

/** A wave's manual steps: a person confirms each, before its servers launch or after. */
const STEP_KINDS = [
  { value: "manual", label: "Manual (a person confirms)" },
  { value: "ssmCommand", label: "SSM command" },
  { value: "ssmAutomation", label: "SSM automation" },
  { value: "route53", label: "Route 53 record" },
  { value: "check", label: "Check" },
  { value: "wait", label: "Wait (fixed pause)" },
];

const STEP_POLICIES = [
  { value: "stop", label: "Fail the wave" },
  { value: "continue", label: "Record and go on" },
  { value: "ask", label: "Ask a person" },
];

const CHECKS = [
  { value: "ec2Status", label: "EC2 status checks 2/2" },
  { value: "ssmAgent", label: "SSM agent online" },
  { value: "tcp", label: "TCP port answers" },
  { value: "http", label: "HTTP URL answers" },
];

/** A step of another kind: what every step has is kept, the kind's own fields start empty. */
export function withKind(step: PlanStep, kind: PlanStep["kind"]): PlanStep {
  const base: PlanStep = { name: step.name, kind, onFailure: step.onFailure, timeoutMinutes: step.timeoutMinutes, inDrills: step.inDrills };
  switch (kind) {
    case "manual":
      return { ...base, instruction: "" };
    case "ssmCommand":
      return { ...base, document: "AWS-RunShellScript", parameters: { commands: [] } };
    case "ssmAutomation":
      return { ...base, document: "" };
    case "route53":
      return { ...base, zoneId: "", drillZoneId: "", record: "" };
    case "check":
      return { ...base, check: "ec2Status" };
    case "wait":
      return { ...base, minutes: 5 };
  }
}

/** Servers written as a comma-separated list. */
function serverList(text: string): string[] | undefined {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** `Key=value` lines as SSM parameters (a key repeated gives several values). */
export function parseParameters(text: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? "" : line.slice(at + 1).trim();
    (out[key] ??= []).push(value);
  }
  return Object.keys(out).length ? out : undefined;
}

function parametersText(p: PlanStep["parameters"]): string {
  return Object.entries(p ?? {})
    .flatMap(([k, vs]) => (vs ?? []).map((v) => `${k}=${v}`))
    .join("\n");
}

function StepFields({ step, path, id, problems, onChange }: { step: PlanStep; path: string; id: string; problems: Problem[] | undefined; onChange: (s: PlanStep) => void }) {
  const at = (field: string) => errorAt(problems, `${path}.${field}`);
  switch (step.kind) {
    case "manual":
      return (
        <FormField label="What the person confirms" errorText={at("instruction")} stretch>
          <Input value={step.instruction ?? ""} onChange={(e) => onChange({ ...step, instruction: e.detail.value })} data-testid={`step-instruction-${id}`} />
        </FormField>
      );
    case "ssmCommand":
      return (
        <ColumnLayout columns={3}>
          <FormField label="SSM document" errorText={at("document")} description="AWS-RunShellScript, AWS-RunPowerShellScript or your own.">
            <Input value={step.document ?? ""} onChange={(e) => onChange({ ...step, document: e.detail.value })} data-testid={`step-document-${id}`} />
          </FormField>
          <FormField label="Commands (one per line)" errorText={at("parameters")}>
            <Textarea
              rows={3}
              value={(step.parameters?.commands ?? []).join("\n")}
              onChange={(e) => onChange({ ...step, parameters: { ...(step.parameters ?? {}), commands: e.detail.value.split("\n") } })}
              data-testid={`step-commands-${id}`}
            />
          </FormField>
          <FormField label="On servers" errorText={at("servers")} description="Names, comma-separated. Empty: the wave's recovered servers.">
            <Input value={(step.servers ?? []).join(", ")} onChange={(e) => onChange({ ...step, servers: serverList(e.detail.value) })} />
          </FormField>
        </ColumnLayout>
      );
    case "ssmAutomation":
      return (
        <ColumnLayout columns={2}>
          <FormField label="Automation runbook" errorText={at("document")}>
            <Input value={step.document ?? ""} onChange={(e) => onChange({ ...step, document: e.detail.value })} data-testid={`step-document-${id}`} />
          </FormField>
          <FormField label="Parameters (Key=value per line)" errorText={at("parameters")}>
            <Textarea rows={3} value={parametersText(step.parameters)} onChange={(e) => onChange({ ...step, parameters: parseParameters(e.detail.value) })} />
          </FormField>
        </ColumnLayout>
      );
    case "route53":
      return (
        <ColumnLayout columns={4}>
          <FormField label="Record" errorText={at("record")}>
            <Input value={step.record ?? ""} placeholder="cache.retail.internal" onChange={(e) => onChange({ ...step, record: e.detail.value })} data-testid={`step-record-${id}`} />
          </FormField>
          <FormField label="Hosted zone (recoveries)" errorText={at("zoneId")}>
            <Input value={step.zoneId ?? ""} onChange={(e) => onChange({ ...step, zoneId: e.detail.value })} data-testid={`step-zone-${id}`} />
          </FormField>
          <FormField label="Drill zone" errorText={at("drillZoneId")} description="Drills write only here, never the production record.">
            <Input value={step.drillZoneId ?? ""} onChange={(e) => onChange({ ...step, drillZoneId: e.detail.value || undefined })} data-testid={`step-drill-zone-${id}`} />
          </FormField>
          <FormField label="Points at" errorText={at("servers") ?? at("value")} description="A server's recovered private IP (its name), or a fixed value.">
            <SpaceBetween size="xxs">
              <Input value={(step.servers ?? []).join(", ")} placeholder="server name" onChange={(e) => onChange({ ...step, servers: serverList(e.detail.value) })} data-testid={`step-server-${id}`} />
              <Input value={step.value ?? ""} placeholder="or a value" onChange={(e) => onChange({ ...step, value: e.detail.value || undefined })} />
            </SpaceBetween>
          </FormField>
        </ColumnLayout>
      );
    case "check":
      return (
        <ColumnLayout columns={3}>
          <FormField label="Check" errorText={at("check")}>
            <Select
              selectedOption={CHECKS.find((c) => c.value === step.check) ?? null}
              options={CHECKS}
              onChange={(e) => onChange({ ...step, check: e.detail.selectedOption.value as PlanStep["check"], host: undefined, port: undefined, url: undefined })}
            />
          </FormField>
          {step.check === "tcp" && (
            <FormField label="Host and port" errorText={at("host") ?? at("port")} description="Tried from a recovered server. Empty host: the server itself.">
              <SpaceBetween direction="horizontal" size="xs">
                <Input value={step.host ?? ""} placeholder="db.retail.internal" onChange={(e) => onChange({ ...step, host: e.detail.value || undefined })} />
                <Input type="number" value={step.port?.toString() ?? ""} placeholder="5432" onChange={(e) => onChange({ ...step, port: numberOrUndefined(e.detail.value) })} />
              </SpaceBetween>
            </FormField>
          )}
          {step.check === "http" && (
            <FormField label="URL" errorText={at("url")} description="Fetched from a recovered server.">
              <Input value={step.url ?? ""} placeholder="http://localhost/health" onChange={(e) => onChange({ ...step, url: e.detail.value })} />
            </FormField>
          )}
          <FormField label="Servers" errorText={at("servers")} description="Names, comma-separated. Empty: the wave's.">
            <Input value={(step.servers ?? []).join(", ")} onChange={(e) => onChange({ ...step, servers: serverList(e.detail.value) })} />
          </FormField>
        </ColumnLayout>
      );
    case "wait":
      return (
        <FormField label="Minutes" errorText={at("minutes")} description="How long the wave pauses here (a DRS recovery plan holds it as a WAIT step).">
          <Input type="number" value={step.minutes?.toString() ?? ""} onChange={(e) => onChange({ ...step, minutes: numberOrUndefined(e.detail.value) })} data-testid={`step-minutes-${id}`} />
        </FormField>
      );
  }
}

function StepsEditor({ wave, index, problems, onChange }: { wave: Wave; index: number; problems: Problem[] | undefined; onChange: (w: Wave) => void }) {
  const base = `waves[${index}]`;
  const rows: { phase: "before" | "after"; at: number; step: PlanStep }[] = [
    ...(wave.before ?? []).map((step, at) => ({ phase: "before" as const, at, step })),
    ...(wave.after ?? []).map((step, at) => ({ phase: "after" as const, at, step })),
  ];
  const set = (phase: "before" | "after", list: PlanStep[]) => onChange({ ...wave, [phase]: list.length ? list : undefined });
  const update = (phase: "before" | "after", at: number, step: PlanStep) => set(phase, (wave[phase] ?? []).map((s, i) => (i === at ? step : s)));
  const remove = (phase: "before" | "after", at: number) => set(phase, (wave[phase] ?? []).filter((_, i) => i !== at));
  const move = (from: "before" | "after", at: number, to: "before" | "after") => {
    if (from === to) return;
    const step = (wave[from] ?? [])[at];
    const left = (wave[from] ?? []).filter((_, i) => i !== at);
    onChange({ ...wave, [from]: left.length ? left : undefined, [to]: [...(wave[to] ?? []), step] });
  };
  return (
    <SpaceBetween size="s">
      <Box variant="h4">Steps</Box>
      {rows.length === 0 && <Box color="text-body-secondary">None: the wave ends when its servers have launched.</Box>}
      {rows.map(({ phase, at, step }) => {
        const path = `${base}.${phase}[${at}]`;
        const id = `${index}-${phase}-${at}`;
        return (
          <Container key={id} data-testid={`step-${id}`}>
            <SpaceBetween size="xs">
              <ColumnLayout columns={4}>
                <FormField label="Step" errorText={errorAt(problems, `${path}.name`)}>
                  <Input value={step.name} onChange={(e) => update(phase, at, { ...step, name: e.detail.value })} data-testid={`step-name-${id}`} />
                </FormField>
                <FormField label="Kind">
                  <Select
                    selectedOption={STEP_KINDS.find((k) => k.value === (step.kind ?? "manual")) ?? STEP_KINDS[0]}
                    options={STEP_KINDS}
                    onChange={(e) => update(phase, at, withKind(step, e.detail.selectedOption.value as PlanStep["kind"]))}
                    data-testid={`step-kind-${id}`}
                  />
                </FormField>
                <FormField label="When">
                  <Select
                    selectedOption={STEP_PHASES.find((p) => p.value === phase) ?? STEP_PHASES[0]}
                    options={STEP_PHASES}
                    onChange={(e) => move(phase, at, e.detail.selectedOption.value as "before" | "after")}
                  />
                </FormField>
                <FormField label="If it fails">
                  <Select
                    selectedOption={STEP_POLICIES.find((p) => p.value === (step.onFailure ?? "stop")) ?? STEP_POLICIES[0]}
                    options={STEP_POLICIES}
                    onChange={(e) => update(phase, at, { ...step, onFailure: e.detail.selectedOption.value as PlanStep["onFailure"] })}
                  />
                </FormField>
              </ColumnLayout>
              <StepFields step={step} path={path} id={id} problems={problems} onChange={(s) => update(phase, at, s)} />
              <SpaceBetween direction="horizontal" size="l" alignItems="center">
                <FormField
                  label="Timeout (minutes)"
                  errorText={errorAt(problems, `${path}.timeoutMinutes`)}
                  description={(step.kind ?? "manual") === "manual" ? "Empty: wait as long as it takes." : "Empty: 30 minutes."}
                >
                  <Input type="number" value={step.timeoutMinutes?.toString() ?? ""} onChange={(e) => update(phase, at, { ...step, timeoutMinutes: numberOrUndefined(e.detail.value) })} />
                </FormField>
                <Checkbox checked={step.inDrills !== false} onChange={(e) => update(phase, at, { ...step, inDrills: e.detail.checked ? undefined : false })}>
                  Run in drills
                </Checkbox>
                <Button iconName="remove" variant="icon" ariaLabel={`Remove step ${step.name}`} onClick={() => remove(phase, at)} data-testid={`remove-step-${id}`} />
              </SpaceBetween>
            </SpaceBetween>
          </Container>
        );
      })}
      <Button
        iconName="add-plus"
        onClick={() => set("after", [...(wave.after ?? []), { name: `step ${rows.length + 1}`, kind: "manual", instruction: "", onFailure: "stop" }])}
        data-testid={`add-step-${index}`}
      >
        Add step
      </Button>
    </SpaceBetween>
  );
}

export function PlanEditor() {
  const params = useParams();
  const editing = params.name !== undefined;
  const navigate = useNavigate();
  const { notify } = useFlash();
  const loaded = useLoad(
    () => Promise.all([editing ? backend.plan(params.name!) : Promise.resolve(null), backend.groups()]),
    [params.name],
  );
  const [plan, setPlan] = useState<RecoveryPlan>(EMPTY_PLAN);
  const [revision, setRevision] = useState<number | null>(null);
  const [originalName, setOriginalName] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [dirty, setDirty] = useState(false);
  const [tab, setTab] = useState("waves");

  useEffect(() => {
    if (!loaded.data) return;
    const [stored] = loaded.data;
    if (stored) {
      setPlan(stored.plan);
      setRevision(stored.revision);
      setOriginalName(stored.plan.name);
    } else {
      setPlan({ ...EMPTY_PLAN, waves: [newWave([])] });
    }
    setDirty(false);
  }, [loaded.data]);

  const [problems, setProblems] = useLiveValidation(loaded.data ? plan : null, backend.validatePlan);

  // The address follows the saved name (after creating or renaming a plan).
  useEffect(() => {
    if (originalName && !dirty && originalName !== params.name) {
      navigate(`/plans/edit/${encodeURIComponent(originalName)}`, { replace: true });
    }
  }, [originalName, dirty, params.name, navigate]);

  const groupNames = useMemo(() => (loaded.data?.[1] ?? []).map((g) => g.name), [loaded.data]);
  const errors = problems?.filter((p) => p.severity === "error").length ?? 0;

  const update = (p: RecoveryPlan) => {
    setPlan(p);
    setDirty(true);
  };
  const setWaves = (waves: Wave[]) => update({ ...plan, waves });

  const save = async () => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const saved = await backend.savePlan(plan, { originalName, expectedRevision: revision, message: "" });
      notify("success", `Saved "${saved.plan.name}" as revision ${saved.revision}.`);
      setRevision(saved.revision);
      setOriginalName(saved.plan.name);
      setDirty(false);
    } catch (e) {
      const err = toBackendError(e);
      setSaveError(err.message);
      if (err.problems) setProblems(err.problems);
    } finally {
      setSaving(false);
    }
  };

  if (loaded.error) return <ErrorState error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.loading && !loaded.data) return <Loading what="the plan" />;

  const wavesTab = (
    <SpaceBetween size="l">
      {plan.waves.map((w, i) => (
        <WaveEditor
          key={i}
          wave={w}
          index={i}
          waves={plan.waves}
          groups={groupNames}
          problems={problems}
          onChange={(nw) => {
            const waves = nw.name !== w.name ? renameWave(plan.waves, i, nw.name) : plan.waves;
            setWaves(waves.map((x, j) => (j === i ? nw : x)));
          }}
          onMove={(d) => {
            const waves = [...plan.waves];
            const [m] = waves.splice(i, 1);
            waves.splice(i + d, 0, m);
            setWaves(waves);
          }}
          onRemove={() => setWaves(removeWave(plan.waves, i))}
        />
      ))}
      <Button iconName="add-plus" onClick={() => setWaves([...plan.waves, newWave(plan.waves)])} data-testid="add-wave">
        Add wave
      </Button>
    </SpaceBetween>
  );

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={
            revision ? `Revision ${revision}${dirty ? " — unsaved changes" : ""}` : "A new plan: add waves, choose their groups and order."
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate("/plans")}>{dirty ? "Cancel" : "Back to plans"}</Button>
              <Button variant="primary" loading={saving} onClick={save} data-testid="save-plan" disabled={!dirty && revision !== null}>
                {revision ? "Save revision" : "Create plan"}
              </Button>
            </SpaceBetween>
          }
        >
          {originalName ?? "Create recovery plan"}
        </Header>
      }
    >
      <UnsavedChangesGuard when={dirty} />
      <SpaceBetween size="l">
        {saveError && <ErrorState error={{ code: "invalid", message: saveError }} />}
        <Grid gridDefinition={[{ colspan: { default: 12, s: 8 } }, { colspan: { default: 12, s: 4 } }]}>
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Plan details</Header>}>
              <ColumnLayout columns={2}>
                <FormField label="Name" errorText={errorAt(problems, "name")}>
                  <Input value={plan.name} onChange={(e) => update({ ...plan, name: e.detail.value })} data-testid="plan-name" />
                </FormField>
                <FormField label="RTO target (minutes)" errorText={errorAt(problems, "rtoTargetMinutes")} description="Drills are judged against it.">
                  <Input
                    type="number"
                    value={plan.rtoTargetMinutes?.toString() ?? ""}
                    onChange={(e) => update({ ...plan, rtoTargetMinutes: numberOrUndefined(e.detail.value) })}
                    data-testid="plan-rto"
                  />
                </FormField>
              </ColumnLayout>
              <Box margin={{ top: "m" }}>
                <FormField label="Description" stretch>
                  <Textarea rows={2} value={plan.description ?? ""} onChange={(e) => update({ ...plan, description: e.detail.value })} />
                </FormField>
              </Box>
            </Container>
            <Tabs
              activeTabId={tab}
              onChange={(e) => setTab(e.detail.activeTabId)}
              tabs={[
                { id: "waves", label: `Waves (${plan.waves.length})`, content: wavesTab },
                {
                  id: "graph",
                  label: "Dependency graph",
                  content: tab === "graph" ? <WaveGraph waves={plan.waves} /> : null,
                },
                ...(originalName
                  ? [
                      {
                        id: "revisions",
                        label: "Revisions",
                        content: (
                          <RevisionHistory
                            name={originalName}
                            current={revision ?? 0}
                            onRestored={(stored) => {
                              setPlan(stored.plan);
                              setRevision(stored.revision);
                              setDirty(false);
                            }}
                          />
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </SpaceBetween>
          <SpaceBetween size="l">
            <ProblemList problems={problems} />
            {errors > 0 && (
              <Box color="text-status-error" variant="small">
                Fix the errors to save.
              </Box>
            )}
          </SpaceBetween>
        </Grid>
      </SpaceBetween>
    </ContentLayout>
  );
}
