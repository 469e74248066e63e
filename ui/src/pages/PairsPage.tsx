import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Autosuggest from "@cloudscape-design/components/autosuggest";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Modal from "@cloudscape-design/components/modal";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Tabs from "@cloudscape-design/components/tabs";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { BackendError, Pair, PairChange, PairsOutcome, PairsPreview } from "../types";
import { formatTime } from "./format";

type Tab = "valid" | "attention" | "unmatched" | "ambiguous" | "orphan";

/** Which tab a pair belongs on. */
export function tabOf(p: Pair): Tab {
  switch (p.status) {
    case "orphan":
      return "orphan";
    case "unmatched":
      return "unmatched";
    case "ambiguous":
      return "ambiguous";
    default:
      return (p.checks ?? []).some((c) => !c.ok && !c.fixedByApply) ? "attention" : "valid";
  }
}

function failing(p: Pair): string {
  const bad = (p.checks ?? []).filter((c) => !c.ok && !c.fixedByApply);
  if (bad.length) return bad.map((c) => c.message).join("; ");
  const toSet = (p.checks ?? []).filter((c) => !c.ok && c.fixedByApply).length;
  return toSet ? `${p.note} · Apply sets the launch configuration` : `${p.note} · launch configuration set`;
}

function bool(v?: boolean) {
  return v === undefined ? "—" : String(v);
}

/** One launch configuration before → after. */
function Diff({ c }: { c: PairChange }) {
  const rows: [string, string, string][] = [
    ["launchIntoEC2InstanceID", c.before.launchIntoInstanceId ?? "—", c.after.launchIntoInstanceId ?? "—"],
    ["copyPrivateIp", bool(c.before.copyPrivateIp), bool(c.after.copyPrivateIp)],
    ["copyTags", bool(c.before.copyTags), bool(c.after.copyTags)],
    ["right-sizing", c.before.rightSizing ?? "—", c.after.rightSizing ?? "—"],
  ];
  return (
    <span>
      {rows
        .filter(([, b, a]) => b !== a)
        .map(([k, b, a]) => (
          <div key={k}>
            {k}: <del>{b}</del> → <b>{a}</b>
          </div>
        ))}
    </span>
  );
}

function outcomeText(o: PairsOutcome, verb: string): string {
  const all = Object.values(o.targets);
  const n = (f: (x: (typeof all)[number]) => number) => all.reduce((s, x) => s + f(x), 0);
  return `${verb} ${n((x) => x.applied.length)} launch configuration(s); ${n((x) => x.skipped.length)} skipped, ${n((x) => x.failed.length)} failed.`;
}

/** Pairs of a plan: matched, needing attention, unmatched, ambiguous, orphan; override, apply, undo. */
export function PairsPage() {
  const [params, setParams] = useSearchParams();
  const plans = useLoad(() => backend.plans());
  const planName = params.get("plan") ?? "";
  const [preview, setPreview] = useState<PairsPreview | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<BackendError>();
  const [tab, setTab] = useState<Tab>("valid");
  const [confirming, setConfirming] = useState(false);
  const [chosen, setChosen] = useState<PairChange[]>([]);
  const [working, setWorking] = useState<string | null>(null);
  const [overriding, setOverriding] = useState<Pair | null>(null);
  const [undoing, setUndoing] = useState(false);
  const { notify } = useFlash();

  const load = async (plan: string) => {
    setLoading(true);
    setError(undefined);
    try {
      setPreview(await backend.pairsPreview(plan));
    } catch (e) {
      setError(toBackendError(e));
      setPreview(null);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (planName) void load(planName);
  }, [planName]);

  // The first plan when none is chosen.
  useEffect(() => {
    if (!planName && plans.data?.length) setParams({ plan: plans.data[0].name }, { replace: true });
  }, [planName, plans.data, setParams]);

  const byTab = useMemo(() => {
    const m: Record<Tab, Pair[]> = { valid: [], attention: [], unmatched: [], ambiguous: [], orphan: [] };
    for (const p of preview?.readiness.pairs ?? []) m[tabOf(p)].push(p);
    return m;
  }, [preview]);
  const pairs = preview?.readiness.pairs ?? [];
  const changes = useMemo(() => Object.values(preview?.apply ?? {}).flatMap((a) => a.changes), [preview]);
  const skipped = useMemo(() => Object.values(preview?.apply ?? {}).flatMap((a) => a.skipped), [preview]);
  const unchanged = Object.values(preview?.apply ?? {}).reduce((s, a) => s + a.unchanged, 0);

  const { items, collectionProps, filterProps, filteredItemsCount } = useCollection(byTab[tab], {
    filtering: {
      filteringFunction: (p, text) =>
        [p.group, p.serverName, p.sourceServerId, p.instanceId, p.instanceName, p.note].some((v) => v?.toLowerCase().includes(text.toLowerCase())),
      empty: <EmptyState title="None">No pairs in this state.</EmptyState>,
      noMatch: <EmptyState title="No match">No pair matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "serverName" } } },
  });

  const apply = async () => {
    setWorking("Writing launch configurations…");
    try {
      const o = await backend.applyPairs(planName, chosen.map((c) => c.sourceServerId));
      const failed = Object.values(o.targets).flatMap((t) => [...t.failed, ...t.skipped.filter((s) => chosen.some((c) => c.sourceServerId === s.subject))]);
      notify(failed.length ? "warning" : "success", failed.length ? `${outcomeText(o, "Applied")} ${failed.map((f) => `${f.name}: ${f.reason}`).join("; ")}` : outcomeText(o, "Applied"));
      setConfirming(false);
      await load(planName);
    } catch (e) {
      notify("error", toBackendError(e).message, "Nothing was applied");
    } finally {
      setWorking(null);
    }
  };

  const undo = async () => {
    setWorking("Restoring launch configurations…");
    try {
      const o = await backend.undoPairs(planName);
      notify("success", outcomeText(o, "Restored"));
      setUndoing(false);
      await load(planName);
    } catch (e) {
      notify("error", toBackendError(e).message, "The undo did not complete");
    } finally {
      setWorking(null);
    }
  };

  const tabLabel = (id: Tab, label: string, content: ReactNode) => ({ id, label: `${label} (${byTab[id].length})`, content: id === tab ? content : null });

  const pairsTable = (
            <Table
              {...collectionProps}
              variant="borderless"
              data-testid="pairs-table"
              items={items}
              wrapLines
              filter={<TextFilter {...filterProps} filteringPlaceholder="Find by group, server or instance" countText={`${filteredItemsCount ?? 0} matches`} />}
              columnDefinitions={[
                { id: "group", header: "Group", cell: (p) => p.group ?? "—", sortingField: "group" },
                { id: "server", header: "Source server", cell: (p) => (p.serverName ? `${p.serverName} (${p.sourceServerId})` : "—"), sortingField: "serverName" },
                {
                  id: "instance",
                  header: "DR instance",
                  cell: (p) => (p.instanceId ? `${p.instanceId}${p.instanceName ? ` (${p.instanceName})` : ""}` : p.candidates?.length ? `candidates: ${p.candidates.join(", ")}` : "—"),
                },
                {
                  id: "status",
                  header: "Status",
                  minWidth: 150,
                  cell: (p) => {
                    const t = tabOf(p);
                    const type = t === "valid" ? "success" : t === "orphan" ? "info" : t === "attention" ? "warning" : "error";
                    const label = p.status === "override" ? "Override" : { valid: "Matched", attention: "Check fails", unmatched: "Unmatched", ambiguous: "Ambiguous", orphan: "Orphan" }[t];
                    return <StatusIndicator type={type}>{label}</StatusIndicator>;
                  },
                },
                { id: "detail", header: "Detail", cell: (p) => (p.status === "orphan" || p.status === "unmatched" || p.status === "ambiguous" ? p.note : failing(p)) },
                {
                  id: "actions",
                  header: "",
                  minWidth: 150,
                  cell: (p) =>
                    p.sourceServerId ? (
                      p.matchedBy === "override" ? (
                        <Button
                          variant="inline-link"
                          onClick={async () => {
                            try {
                              await backend.clearPairOverride(p.target, p.sourceServerId!);
                              notify("success", `${p.serverName}: matched by name again.`);
                              await load(planName);
                            } catch (e) {
                              notify("error", toBackendError(e).message);
                            }
                          }}
                        >
                          Remove override
                        </Button>
                      ) : (
                        <Button variant="inline-link" onClick={() => setOverriding(p)} data-testid={`override-${p.serverName}`}>
                          Pair by hand…
                        </Button>
                      )
                    ) : null,
                },
              ]}
            />
  );

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Recover into pre-provisioned, stopped DR instances matched by Name, so instance IDs and private IPs survive failover."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button loading={loading} disabled={!planName} onClick={() => void load(planName)} iconName="refresh" data-testid="pairs-refresh">
                Refresh
              </Button>
              <Button disabled={!preview?.undoable.length} onClick={() => setUndoing(true)} data-testid="pairs-undo">
                Undo last apply
              </Button>
              <Button
                variant="primary"
                disabled={!changes.length}
                onClick={() => {
                  setChosen(changes);
                  setConfirming(true);
                }}
                data-testid="pairs-apply"
              >
                {`Apply (${changes.length})`}
              </Button>
            </SpaceBetween>
          }
        >
          Pairs
        </Header>
      }
    >
      <SpaceBetween size="l">
        <FormField label="Recovery plan">
          <Select
            selectedOption={planName ? { value: planName, label: planName } : null}
            options={(plans.data ?? []).map((p) => ({ value: p.name, label: p.name }))}
            placeholder="Choose a plan"
            statusType={plans.loading ? "loading" : "finished"}
            empty="No plans"
            onChange={(e) => setParams({ plan: e.detail.selectedOption.value ?? "" })}
            data-testid="pairs-plan"
          />
        </FormField>
        {plans.error && <ErrorState error={plans.error} onRetry={plans.reload} />}
        {error && <ErrorState error={error} onRetry={() => void load(planName)} />}
        {loading && !preview && <ProgressBar label="Reading source servers, DR instances and launch configurations…" status="in-progress" value={50} variant="standalone" />}
        {preview && pairs.length === 0 && (
          <Alert type="info" header="Nothing to pair">
            No protection group of this plan launches into pre-provisioned instances, and no tagged DR instance is waiting. Set a group's launch mode to
            "Launch into pre-provisioned instances" to pair its servers.
          </Alert>
        )}
        {preview && pairs.length > 0 && (
          <>
            <Box color="text-status-inactive">
              {`Read ${formatTime(preview.readiness.checkedAt)}: ${changes.length} to apply, ${unchanged} already set, ${skipped.length} not applicable.`}
            </Box>
            <Tabs
              activeTabId={tab}
              onChange={(e) => setTab(e.detail.activeTabId as Tab)}
              tabs={[
                tabLabel("valid", "Matched", pairsTable),
                tabLabel("attention", "Needs attention", pairsTable),
                tabLabel("unmatched", "Unmatched", pairsTable),
                tabLabel("ambiguous", "Ambiguous", pairsTable),
                tabLabel("orphan", "Orphan DR instances", pairsTable),
              ]}
            />
          </>
        )}
        {!planName && !plans.loading && !plans.data?.length && <EmptyState title="No plans">Create a recovery plan with pre-provisioned groups first.</EmptyState>}
      </SpaceBetween>

      {confirming && (
        <Modal
          visible
          size="max"
          onDismiss={() => setConfirming(false)}
          header="Apply pairs to DRS launch configurations"
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
                <Button variant="primary" disabled={!chosen.length} loading={!!working} onClick={() => void apply()} data-testid="pairs-confirm">
                  {`Write ${chosen.length} launch configuration(s)`}
                </Button>
              </SpaceBetween>
            </Box>
          }
        >
          <SpaceBetween size="m">
            <Alert type="info">
              Each chosen server's DRS launch configuration will launch into its DR instance, with copyPrivateIp and copyTags off and right-sizing NONE. Every instance is
              re-checked right before writing; the previous configurations are recorded so Undo can restore them.
            </Alert>
            <Table
              items={changes}
              selectionType="multi"
              selectedItems={chosen}
              onSelectionChange={(e) => setChosen(e.detail.selectedItems)}
              trackBy="sourceServerId"
              wrapLines
              data-testid="pairs-diff"
              columnDefinitions={[
                { id: "server", header: "Source server", cell: (c) => `${c.serverName} (${c.sourceServerId})` },
                { id: "instance", header: "DR instance", cell: (c) => c.instanceId },
                { id: "diff", header: "Change (before → after)", cell: (c) => <Diff c={c} /> },
              ]}
            />
            {skipped.length > 0 && (
              <Table
                header={<Header variant="h3" counter={`(${skipped.length})`}>Not applied</Header>}
                items={skipped}
                wrapLines
                columnDefinitions={[
                  { id: "name", header: "Server", cell: (s) => s.name },
                  { id: "reason", header: "Why", cell: (s) => s.reason },
                ]}
              />
            )}
          </SpaceBetween>
        </Modal>
      )}

      {undoing && preview && (
        <Modal
          visible
          onDismiss={() => setUndoing(false)}
          header="Undo the last apply?"
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => setUndoing(false)}>
                  Cancel
                </Button>
                <Button variant="primary" loading={!!working} onClick={() => void undo()} data-testid="pairs-undo-confirm">
                  Restore
                </Button>
              </SpaceBetween>
            </Box>
          }
        >
          {preview.undoable.map((a) => (
            <Box key={a.id}>{`${a.changes.length} launch configuration(s) on target ${a.target}, applied ${formatTime(a.appliedAt)} by ${a.appliedBy}, go back to what they were.`}</Box>
          ))}
        </Modal>
      )}

      {overriding && preview && (
        <OverrideModal
          pair={overriding}
          pairs={pairs}
          onClose={() => setOverriding(null)}
          onSaved={async (text) => {
            setOverriding(null);
            notify("success", text);
            await load(planName);
          }}
        />
      )}
    </ContentLayout>
  );
}

function OverrideModal({ pair, pairs, onClose, onSaved }: { pair: Pair; pairs: Pair[]; onClose: () => void; onSaved: (text: string) => void }) {
  const [instance, setInstance] = useState(pair.instanceId ?? "");
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  // Free DR instances (orphans) and this pair's candidates.
  const options = [
    ...(pair.candidates ?? []).filter((c) => c.startsWith("i-")).map((c) => ({ value: c.split(" ")[0], description: c })),
    ...pairs.filter((p) => p.status === "orphan" && p.instanceId).map((p) => ({ value: p.instanceId!, description: `${p.instanceName ?? ""} (orphan)` })),
  ];
  const save = async (id: string | null) => {
    setSaving(true);
    setError(undefined);
    try {
      await backend.setPairOverride(pair.target, pair.sourceServerId!, id);
      onSaved(id ? `${pair.serverName} launches into ${id} (manual override).` : `${pair.serverName} stays unpaired (manual override).`);
    } catch (e) {
      setError(toBackendError(e).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Pair ${pair.serverName} by hand`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => void save(null)} loading={saving}>
              Keep unpaired
            </Button>
            <Button variant="primary" disabled={!instance.trim()} loading={saving} onClick={() => void save(instance.trim())} data-testid="override-save">
              Pair
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {error && <Alert type="error">{error}</Alert>}
        <FormField label="DR instance" description="A stopped instance in the recovery region, tagged AWSDRS=AllowLaunchingIntoThisInstance. The choice is kept across refreshes.">
          <Autosuggest value={instance} options={options} enteredTextLabel={(v) => `Use "${v}"`} placeholder="i-…" onChange={(e) => setInstance(e.detail.value)} />
        </FormField>
      </SpaceBetween>
    </Modal>
  );
}
