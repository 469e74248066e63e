import AttributeEditor from "@cloudscape-design/components/attribute-editor";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Grid from "@cloudscape-design/components/grid";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import RadioGroup from "@cloudscape-design/components/radio-group";
import Box from "@cloudscape-design/components/box";
import Select, { type SelectProps } from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Textarea from "@cloudscape-design/components/textarea";
import Toggle from "@cloudscape-design/components/toggle";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState, Loading } from "../components/PageState";
import { ProblemList, errorAt, problemsUnder } from "../components/ProblemList";
import { UnsavedChangesGuard } from "../components/UnsavedChangesGuard";
import { useLiveValidation } from "../components/useLiveValidation";
import { useLoad } from "../components/useLoad";
import type { BackendError, GroupMembers, LaunchSettings, PostLaunchAction, ProtectionGroup, ServerOverride } from "../types";

type TagRow = { key: string; value: string };

/** `Key=value` pairs separated by spaces, as a post-launch action's parameters. */
export function actionParameters(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const at = pair.indexOf("=");
    out[at < 0 ? pair : pair.slice(0, at)] = at < 0 ? "" : pair.slice(at + 1);
  }
  return Object.keys(out).length ? out : undefined;
}

const emptyGroup = (target: string): ProtectionGroup => ({
  name: "",
  description: "",
  target,
  selector: { tags: {} },
  launch: { launchMode: "newInstances" },
  overrides: [],
});

/** A tri-state choice: leave DRS as it is, on, or off. */
function TriState({ value, onChange }: { value?: boolean; onChange: (v?: boolean) => void }) {
  const options = [
    { value: "unset", label: "Leave as in DRS" },
    { value: "on", label: "On" },
    { value: "off", label: "Off" },
  ];
  const current = value === undefined ? "unset" : value ? "on" : "off";
  return (
    <Select
      selectedOption={options.find((o) => o.value === current) ?? options[0]}
      options={options}
      onChange={(e) => onChange(e.detail.selectedOption.value === "unset" ? undefined : e.detail.selectedOption.value === "on")}
    />
  );
}

function Choice<T extends string>({ value, options, onChange }: { value?: T; options: { value: T; label: string }[]; onChange: (v?: T) => void }) {
  const all: SelectProps.Option[] = [{ value: "", label: "Leave as in DRS" }, ...options];
  return (
    <Select
      selectedOption={all.find((o) => o.value === (value ?? "")) ?? all[0]}
      options={all}
      onChange={(e) => onChange((e.detail.selectedOption.value || undefined) as T | undefined)}
    />
  );
}

/** The servers the group being edited selects in the live inventory, refreshed as it changes. */
export function MembersPreview({ group, originalName }: { group: ProtectionGroup; originalName: string | null }) {
  const key = JSON.stringify({ t: group.target, s: group.selector, n: group.name });
  const [state, setState] = useState<{ key: string; data?: GroupMembers; error?: BackendError }>({ key: "" });
  useEffect(() => {
    const selects = group.selector.tags ? Object.keys(group.selector.tags).length > 0 : (group.selector.sourceServerIds ?? []).length > 0;
    if (!group.target || !selects) {
      setState({ key });
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      backend
        .groupMembers(group, originalName)
        .then((data) => live && setState({ key, data }))
        .catch((e) => live && setState({ key, error: toBackendError(e) }));
    }, 500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, originalName]);
  const loading = state.key !== key;
  return (
    <Container
      data-testid="members-preview"
      header={
        <Header variant="h2" counter={state.data && !loading ? `(${state.data.members.length})` : undefined} description="In the live inventory of the target, as you edit.">
          Servers selected now
        </Header>
      }
    >
      {loading ? (
        <StatusIndicator type="loading">Reading the inventory…</StatusIndicator>
      ) : state.error ? (
        <StatusIndicator type="error">{state.error.message}</StatusIndicator>
      ) : !state.data ? (
        <Box color="text-status-inactive">Give tags or server IDs to see which servers they select.</Box>
      ) : (
        <SpaceBetween size="xs">
          {state.data.conflicts.map((c) => (
            <StatusIndicator key={c.sourceServerId} type="error">
              {`${c.name} is also in ${c.groups.filter((g) => g !== group.name).map((g) => `"${g}"`).join(", ")}`}
            </StatusIndicator>
          ))}
          {state.data.missing.map((m) => (
            <StatusIndicator key={m} type="warning">{`${m} is not in DRS`}</StatusIndicator>
          ))}
          {state.data.members.length === 0 ? (
            <Box color="text-status-warning">{`None of the ${state.data.inventory} servers in the target match (all tags must match).`}</Box>
          ) : (
            <Box variant="small">
              {state.data.members
                .slice(0, 30)
                .map((m) => m.name)
                .join(", ")}
              {state.data.members.length > 30 ? ` and ${state.data.members.length - 30} more` : ""}
            </Box>
          )}
        </SpaceBetween>
      )}
    </Container>
  );
}

export function GroupEditor() {
  const params = useParams();
  const editing = params.name !== undefined;
  const navigate = useNavigate();
  const { notify } = useFlash();
  const loaded = useLoad(
    () => Promise.all([editing ? backend.group(params.name!) : Promise.resolve(null), backend.targets()]),
    [params.name],
  );
  const [group, setGroup] = useState<ProtectionGroup | null>(null);
  const [tags, setTags] = useState<TagRow[]>([]);
  const [ids, setIds] = useState("");
  const [originalName, setOriginalName] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    if (!loaded.data) return;
    const [g, targets] = loaded.data;
    const start = g ?? emptyGroup(targets[0]?.name ?? "");
    setGroup(start);
    setOriginalName(g?.name ?? null);
    setTags(Object.entries(start.selector.tags ?? {}).map(([key, value]) => ({ key, value })));
    setIds((start.selector.sourceServerIds ?? []).join("\n"));
    setSaved(null);
  }, [loaded.data]);

  const byTags = group?.selector.sourceServerIds === undefined;
  const assembled: ProtectionGroup | null = useMemo(
    () =>
      group && {
        ...group,
        selector: byTags
          ? { tags: Object.fromEntries(tags.map((t) => [t.key, t.value])) }
          : { sourceServerIds: ids.split(/[\s,]+/).filter(Boolean) },
      },
    [group, byTags, tags, ids],
  );

  const [initial, setInitial] = useState<string | null>(null);
  useEffect(() => {
    if (assembled && initial === null) setInitial(JSON.stringify(assembled));
  }, [assembled, initial]);
  const dirty = saved === null && initial !== null && assembled !== null && JSON.stringify(assembled) !== initial;
  useEffect(() => {
    if (saved) navigate("/groups");
  }, [saved, navigate]);
  const [problems, setProblems] = useLiveValidation(assembled, (g) => backend.validateGroup(g, originalName));

  if (loaded.error) return <ErrorState error={loaded.error} onRetry={loaded.reload} />;
  if (!group || !assembled || !loaded.data) return <Loading what="the protection group" />;
  const targets = loaded.data[1];
  const launch = group.launch;
  const setLaunch = (l: Partial<LaunchSettings>) => setGroup({ ...group, launch: { ...launch, ...l } });
  const actions = launch.postLaunchActions ?? [];
  const setAction = (i: number, a: Partial<PostLaunchAction>) => setLaunch({ postLaunchActions: actions.map((x, j) => (j === i ? { ...x, ...a } : x)) });
  const overrides = group.overrides ?? [];
  const setOverride = (i: number, o: Partial<ServerOverride>) =>
    setGroup({ ...group, overrides: overrides.map((x, j) => (j === i ? { ...x, ...o } : x)) });
  const tagError = problemsUnder(problems, "selector.tags").map((p) => p.message).join("; ") || undefined;
  const idError = problemsUnder(problems, "selector.sourceServerIds").map((p) => p.message).join("; ") || undefined;

  const save = async () => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const saved = await backend.saveGroup(assembled, originalName);
      notify("success", `Saved protection group "${saved.name}".`);
      setSaved(saved.name);
    } catch (e) {
      const err = toBackendError(e);
      setSaveError(err.message);
      if (err.problems) setProblems(err.problems);
    } finally {
      setSaving(false);
    }
  };

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Which source servers belong, and how they launch."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate("/groups")}>Cancel</Button>
              {originalName && (
                <Button onClick={() => navigate(`/groups/launch/${encodeURIComponent(originalName)}`)} data-testid="open-launch-settings">
                  Review launch settings in DRS
                </Button>
              )}
              <Button variant="primary" loading={saving} onClick={save} data-testid="save-group">
                {originalName ? "Save" : "Create group"}
              </Button>
            </SpaceBetween>
          }
        >
          {originalName ?? "Create protection group"}
        </Header>
      }
    >
      <UnsavedChangesGuard when={dirty} />
      <SpaceBetween size="l">
        {saveError && <ErrorState error={{ code: "invalid", message: saveError }} />}
        <Grid gridDefinition={[{ colspan: { default: 12, s: 8 } }, { colspan: { default: 12, s: 4 } }]}>
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Group</Header>}>
              <ColumnLayout columns={2}>
                <FormField label="Name" errorText={errorAt(problems, "name")}>
                  <Input value={group.name} onChange={(e) => setGroup({ ...group, name: e.detail.value })} data-testid="group-name" />
                </FormField>
                <FormField label="Target" errorText={errorAt(problems, "target")} description="The account and regions the servers live in.">
                  <Select
                    selectedOption={group.target ? { value: group.target, label: group.target } : null}
                    options={targets.map((t) => ({ value: t.name, label: t.name, description: `${t.accountId} · ${t.primaryRegion} → ${t.recoveryRegion}` }))}
                    placeholder="Choose a target"
                    onChange={(e) => setGroup({ ...group, target: e.detail.selectedOption.value ?? "" })}
                  />
                </FormField>
              </ColumnLayout>
              <FormField label="Description" stretch>
                <Input value={group.description ?? ""} onChange={(e) => setGroup({ ...group, description: e.detail.value })} />
              </FormField>
            </Container>
            <Container header={<Header variant="h2" description="Tags: every given tag must match (AND). Or list the servers.">Servers</Header>}>
              <SpaceBetween size="m">
                <RadioGroup
                  value={byTags ? "tags" : "ids"}
                  onChange={(e) =>
                    setGroup({ ...group, selector: e.detail.value === "tags" ? { tags: {} } : { sourceServerIds: [] } })
                  }
                  items={[
                    { value: "tags", label: "By tags", description: "Servers that carry all of these tags" },
                    { value: "ids", label: "By source server ID", description: "Exactly these servers (s-…)" },
                  ]}
                />
                {byTags ? (
                  <FormField errorText={tagError}>
                    <AttributeEditor
                      items={tags}
                      addButtonText="Add tag"
                      removeButtonText="Remove"
                      empty="No tags yet"
                      onAddButtonClick={() => setTags([...tags, { key: "", value: "" }])}
                      onRemoveButtonClick={(e) => setTags(tags.filter((_, i) => i !== e.detail.itemIndex))}
                      definition={[
                        {
                          label: "Key",
                          control: (t, i) => (
                            <Input value={t.key} onChange={(e) => setTags(tags.map((x, j) => (j === i ? { ...x, key: e.detail.value } : x)))} />
                          ),
                        },
                        {
                          label: "Value",
                          control: (t, i) => (
                            <Input value={t.value} onChange={(e) => setTags(tags.map((x, j) => (j === i ? { ...x, value: e.detail.value } : x)))} />
                          ),
                        },
                      ]}
                    />
                  </FormField>
                ) : (
                  <FormField label="Source server IDs" description="One per line." errorText={idError}>
                    <Textarea rows={5} value={ids} onChange={(e) => setIds(e.detail.value)} placeholder="s-1234567890abcdef0" />
                  </FormField>
                )}
              </SpaceBetween>
            </Container>
            <Container header={<Header variant="h2" description="Unset settings leave each server's DRS launch configuration as it is.">Launch settings</Header>}>
              <SpaceBetween size="m">
                <RadioGroup
                  value={launch.launchMode}
                  onChange={(e) => setLaunch({ launchMode: e.detail.value as LaunchSettings["launchMode"] })}
                  items={[
                    { value: "newInstances", label: "Launch new instances" },
                    {
                      value: "preProvisioned",
                      label: "Launch into pre-provisioned DR instances",
                      description: "Keeps instance IDs and private IPs (AWSDRS=AllowLaunchingIntoThisInstance)",
                    },
                  ]}
                />
                {launch.launchMode === "preProvisioned" && (
                  <FormField
                    label="Drills"
                    errorText={errorAt(problems, "launch.fullFidelityDrills")}
                    description="By default a drill launches new instances, so the DR instances stay untouched for a real recovery."
                  >
                    <Toggle
                      checked={!!launch.fullFidelityDrills}
                      onChange={(e) => setLaunch({ fullFidelityDrills: e.detail.checked || undefined })}
                      data-testid="full-fidelity"
                    >
                      Full-fidelity drills: launch into the DR instances (stopped and disconnected after the drill, never terminated)
                    </Toggle>
                  </FormField>
                )}
                <ColumnLayout columns={3}>
                  <FormField label="Subnet" errorText={errorAt(problems, "launch.subnetId")}>
                    <Input value={launch.subnetId ?? ""} placeholder="subnet-…" onChange={(e) => setLaunch({ subnetId: e.detail.value || undefined })} />
                  </FormField>
                  <FormField label="Security groups" description="Comma-separated" errorText={problemsUnder(problems, "launch.securityGroupIds").map((p) => p.message).join("; ") || undefined}>
                    <Input
                      value={(launch.securityGroupIds ?? []).join(", ")}
                      placeholder="sg-…"
                      onChange={(e) => setLaunch({ securityGroupIds: e.detail.value.split(/[\s,]+/).filter(Boolean) })}
                    />
                  </FormField>
                  <FormField label="Instance type" errorText={errorAt(problems, "launch.instanceType")}>
                    <Input
                      data-testid="launch-instance-type"
                      value={launch.instanceType ?? ""}
                      placeholder="m5.large"
                      onChange={(e) => setLaunch({ instanceType: e.detail.value || undefined })}
                    />
                  </FormField>
                  <FormField label="After launch">
                    <Choice
                      value={launch.launchDisposition}
                      options={[
                        { value: "started", label: "Started" },
                        { value: "stopped", label: "Stopped" },
                      ]}
                      onChange={(v) => setLaunch({ launchDisposition: v })}
                    />
                  </FormField>
                  <FormField label="Copy private IP" errorText={errorAt(problems, "launch.copyPrivateIp")}>
                    <TriState value={launch.copyPrivateIp} onChange={(v) => setLaunch({ copyPrivateIp: v })} />
                  </FormField>
                  <FormField label="Copy tags" errorText={errorAt(problems, "launch.copyTags")}>
                    <TriState value={launch.copyTags} onChange={(v) => setLaunch({ copyTags: v })} />
                  </FormField>
                  <FormField label="Right-sizing">
                    <Choice
                      value={launch.rightSizing}
                      options={[
                        { value: "none", label: "None" },
                        { value: "basic", label: "Basic" },
                        { value: "inAws", label: "In AWS" },
                      ]}
                      onChange={(v) => setLaunch({ rightSizing: v })}
                    />
                  </FormField>
                  <FormField label="Bring your own licence">
                    <TriState value={launch.osByol} onChange={(v) => setLaunch({ osByol: v })} />
                  </FormField>
                  <FormField label="Recovery mode">
                    <Choice
                      value={launch.recoveryMode}
                      options={[
                        { value: "fast", label: "Fast" },
                        { value: "optimal", label: "Optimal" },
                      ]}
                      onChange={(v) => setLaunch({ recoveryMode: v })}
                    />
                  </FormField>
                </ColumnLayout>
                <ColumnLayout columns={2}>
                  <FormField
                    label="Drill network: subnet"
                    description="Drills launch here (isolated); the recovery settings are put back after the wave."
                    errorText={errorAt(problems, "launch.drillNetwork.subnetId") ?? errorAt(problems, "launch.drillNetwork")}
                  >
                    <Input
                      data-testid="drill-subnet"
                      value={launch.drillNetwork?.subnetId ?? ""}
                      placeholder="subnet-… (none: drills use the recovery network)"
                      onChange={(e) =>
                        setLaunch({
                          drillNetwork: e.detail.value ? { subnetId: e.detail.value, securityGroupIds: launch.drillNetwork?.securityGroupIds } : undefined,
                        })
                      }
                    />
                  </FormField>
                  <FormField
                    label="Drill network: security groups"
                    description="Comma-separated; none keeps the recovery ones"
                    errorText={problemsUnder(problems, "launch.drillNetwork.securityGroupIds").map((p) => p.message).join("; ") || undefined}
                  >
                    <Input
                      disabled={!launch.drillNetwork}
                      value={(launch.drillNetwork?.securityGroupIds ?? []).join(", ")}
                      placeholder="sg-…"
                      onChange={(e) =>
                        launch.drillNetwork &&
                        setLaunch({ drillNetwork: { ...launch.drillNetwork, securityGroupIds: e.detail.value.split(/[\s,]+/).filter(Boolean) } })
                      }
                    />
                  </FormField>
                  <FormField
                    label="Failback drill network: subnet (origin region)"
                    description="After a real recovery, failback drills launch here in the origin region; the failback source servers' settings are put back afterwards."
                    errorText={errorAt(problems, "launch.failbackDrillNetwork.subnetId")}
                  >
                    <Input
                      data-testid="failback-drill-subnet"
                      value={launch.failbackDrillNetwork?.subnetId ?? ""}
                      placeholder="subnet-… (none: failback drills use the failback source servers' network)"
                      onChange={(e) =>
                        setLaunch({
                          failbackDrillNetwork: e.detail.value
                            ? { subnetId: e.detail.value, securityGroupIds: launch.failbackDrillNetwork?.securityGroupIds }
                            : undefined,
                        })
                      }
                    />
                  </FormField>
                  <FormField
                    label="Failback drill network: security groups"
                    description="Comma-separated, of the origin region; none keeps the failback source servers' ones"
                    errorText={problemsUnder(problems, "launch.failbackDrillNetwork.securityGroupIds").map((p) => p.message).join("; ") || undefined}
                  >
                    <Input
                      disabled={!launch.failbackDrillNetwork}
                      value={(launch.failbackDrillNetwork?.securityGroupIds ?? []).join(", ")}
                      placeholder="sg-…"
                      onChange={(e) =>
                        launch.failbackDrillNetwork &&
                        setLaunch({ failbackDrillNetwork: { ...launch.failbackDrillNetwork, securityGroupIds: e.detail.value.split(/[\s,]+/).filter(Boolean) } })
                      }
                    />
                  </FormField>
                </ColumnLayout>
              </SpaceBetween>
            </Container>
            <Container
              header={
                <Header variant="h2" description="SSM documents DRS runs on every recovered server of the group. A server counts as recovered once its required actions succeeded.">
                  Post-launch actions
                </Header>
              }
            >
              <AttributeEditor
                items={actions}
                addButtonText="Add action"
                removeButtonText="Remove"
                empty="No post-launch actions"
                onAddButtonClick={() => setLaunch({ postLaunchActions: [...actions, { name: `check ${actions.length + 1}`, document: "AWS-RunShellScript", category: "validation" }] })}
                onRemoveButtonClick={(e) => setLaunch({ postLaunchActions: actions.filter((_, i) => i !== e.detail.itemIndex) })}
                definition={[
                  {
                    label: "Name",
                    errorText: (_, i) => errorAt(problems, `launch.postLaunchActions[${i}].name`),
                    control: (a, i) => <Input value={a.name} onChange={(e) => setAction(i, { name: e.detail.value })} data-testid={`action-name-${i}`} />,
                  },
                  {
                    label: "SSM document",
                    errorText: (_, i) => errorAt(problems, `launch.postLaunchActions[${i}].document`),
                    control: (a, i) => <Input value={a.document} onChange={(e) => setAction(i, { document: e.detail.value })} data-testid={`action-document-${i}`} />,
                  },
                  {
                    label: "Parameters (Key=value, space-separated)",
                    errorText: (_, i) => errorAt(problems, `launch.postLaunchActions[${i}].parameters`),
                    control: (a, i) => (
                      <Input
                        value={Object.entries(a.parameters ?? {})
                          .map(([k, v]) => `${k}=${v}`)
                          .join(" ")}
                        onChange={(e) => setAction(i, { parameters: actionParameters(e.detail.value) })}
                      />
                    ),
                  },
                  {
                    label: "Required",
                    control: (a, i) => (
                      <Toggle checked={!a.optional} onChange={(e) => setAction(i, { optional: !e.detail.checked || undefined })}>
                        {a.optional ? "optional" : "required"}
                      </Toggle>
                    ),
                  },
                ]}
              />
            </Container>
            <Container header={<Header variant="h2" description="Exceptions for single servers, such as a static private IP.">Per-server overrides</Header>}>
              <AttributeEditor
                items={overrides}
                addButtonText="Add override"
                removeButtonText="Remove"
                empty="No overrides"
                onAddButtonClick={() => setGroup({ ...group, overrides: [...overrides, { sourceServerId: "" }] })}
                onRemoveButtonClick={(e) => setGroup({ ...group, overrides: overrides.filter((_, i) => i !== e.detail.itemIndex) })}
                definition={[
                  {
                    label: "Source server",
                    errorText: (_, i) => errorAt(problems, `overrides[${i}].sourceServerId`),
                    control: (o, i) => <Input value={o.sourceServerId} placeholder="s-…" onChange={(e) => setOverride(i, { sourceServerId: e.detail.value })} />,
                  },
                  {
                    label: "Static private IP",
                    errorText: (_, i) => errorAt(problems, `overrides[${i}].privateIp`),
                    control: (o, i) => <Input value={o.privateIp ?? ""} placeholder="10.0.1.20" onChange={(e) => setOverride(i, { privateIp: e.detail.value || undefined })} />,
                  },
                  {
                    label: "Instance type",
                    errorText: (_, i) => errorAt(problems, `overrides[${i}].instanceType`),
                    control: (o, i) => <Input value={o.instanceType ?? ""} onChange={(e) => setOverride(i, { instanceType: e.detail.value || undefined })} />,
                  },
                  {
                    label: "Subnet",
                    errorText: (_, i) => errorAt(problems, `overrides[${i}].subnetId`),
                    control: (o, i) => <Input value={o.subnetId ?? ""} onChange={(e) => setOverride(i, { subnetId: e.detail.value || undefined })} />,
                  },
                ]}
              />
            </Container>
          </SpaceBetween>
          <SpaceBetween size="l">
            <MembersPreview group={assembled} originalName={originalName} />
            <ProblemList problems={problems} subject="group" against="the targets and the other groups" />
          </SpaceBetween>
        </Grid>
      </SpaceBetween>
    </ContentLayout>
  );
}
