import Alert from "@cloudscape-design/components/alert";
import Badge from "@cloudscape-design/components/badge";
import Checkbox from "@cloudscape-design/components/checkbox";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { DriftState, NativeStep } from "../types";

/** How DRS's copy of a plan reads, and its status. */
export const DRIFT: Record<DriftState, [StatusIndicatorProps.Type, string]> = {
  notPublished: ["pending", "Not published to DRS"],
  inSync: ["success", "DRS's copy matches the current revision"],
  olderRevision: ["warning", "DRS holds an older revision"],
  changedInDrs: ["warning", "Changed in DRS since it was published"],
  notOurs: ["error", "DRS has a plan of this name the app did not publish"],
};

/** What a native step does, in words. */
export function stepWords(s: NativeStep): string {
  if (s.config.kind === "wait") return `wait ${s.config.minutes} min`;
  const optional = s.config.servers.some((v) => !v.critical);
  return `launch ${s.config.servers.length} server${s.config.servers.length === 1 ? "" : "s"}${optional ? " (optional: failures do not stop the plan)" : ""}`;
}

/** Servers in a native plan's steps. */
export function serverCount(steps: NativeStep[]): number {
  return steps.reduce((n, s) => n + (s.config.kind === "servers" ? s.config.servers.length : 0), 0);
}

/** A plan as DRS's own recovery plan: publish it, see what DRS cannot do, run it in DRS. */
export function NativePage() {
  const { name = "" } = useParams();
  const navigate = useNavigate();
  const { notify } = useFlash();
  const preview = useLoad(() => backend.nativePreview(name), [name]);
  const [busy, setBusy] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const [startError, setStartError] = useState<string>();
  const [override, setOverride] = useState(false);

  const publish = async () => {
    setBusy("publish");
    try {
      const o = await backend.nativePublish(name);
      notify(
        "success",
        `${o.stepsCreated} step(s) added, ${o.stepsUpdated} rewritten, ${o.stepsDeleted} removed (${o.apiCalls} DRS calls).`,
        o.created ? "Published to DRS" : "DRS's copy updated",
      );
      void preview.reload();
    } catch (e) {
      notify("error", toBackendError(e).message, "Not published");
    } finally {
      setBusy(undefined);
    }
  };
  const start = async (drill: boolean) => {
    setBusy(drill ? "drill" : "recovery");
    setStartError(undefined);
    try {
      const id = await backend.startNative(name, { drill, overrideReadiness: override, confirm: drill ? undefined : typed }, () => {});
      navigate(`/executions/${id}`);
    } catch (e) {
      if (drill) notify("error", toBackendError(e).message, "DRS drill not started");
      else setStartError(toBackendError(e).message);
    } finally {
      setBusy(undefined);
    }
  };

  if (preview.error) return <ErrorState error={preview.error} onRetry={preview.reload} />;
  const p = preview.data;
  const pub = p?.publication;
  const state = p?.drift.state;
  const inSync = state === "inSync";
  const drillBlocked = !!pub?.gaps.some((g) => g.blocksDrill);
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="DRS's own recovery plan: runs from the AWS console without this app, with what it cannot do listed."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="refresh" onClick={() => void preview.reload()} loading={preview.loading}>
                Refresh
              </Button>
              <Button
                variant={inSync ? "normal" : "primary"}
                disabled={!pub || pub.problems.length > 0 || state === "notOurs" || inSync}
                onClick={() => void publish()}
                loading={busy === "publish"}
                data-testid="native-publish"
              >
                {state === "notPublished" ? "Publish to DRS" : "Update DRS's copy"}
              </Button>
              <Button disabled={!inSync || drillBlocked} onClick={() => void start(true)} loading={busy === "drill"} data-testid="native-drill">
                Start drill in DRS
              </Button>
              <Button
                disabled={!inSync}
                onClick={() => {
                  setTyped("");
                  setStartError(undefined);
                  setConfirming(true);
                }}
                data-testid="native-recover"
              >
                Recover in DRS…
              </Button>
            </SpaceBetween>
          }
        >
          In DRS: {name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container
          data-testid="native-drift"
          header={<Header variant="h2">DRS's copy</Header>}
        >
          {preview.loading && !p ? (
            <StatusIndicator type="loading">Reading the plan and DRS's recovery plans</StatusIndicator>
          ) : p && state ? (
            <SpaceBetween size="xs">
              <StatusIndicator type={DRIFT[state][0]} data-testid="native-state">
                {DRIFT[state][1]}
                {p.drift.publishedRevision != null ? ` (published from revision ${p.drift.publishedRevision}; the plan is at ${pub?.revision})` : ""}
              </StatusIndicator>
              {p.native && <Box color="text-body-secondary">{p.native.arn} · updated {p.native.updatedAt}</Box>}
              {inSync && (
                <Checkbox checked={override} onChange={(e) => setOverride(e.detail.checked)} data-testid="native-override">
                  Start even if readiness finds blockers (recorded in the audit log)
                </Checkbox>
              )}
              {p.drift.differences.length > 0 && (
                <ul data-testid="native-differences">
                  {p.drift.differences.map((d) => (
                    <li key={d}>{d}</li>
                  ))}
                </ul>
              )}
            </SpaceBetween>
          ) : null}
        </Container>
        {pub && pub.problems.length > 0 && (
          <Alert type="error" header="Cannot be published">
            {pub.problems.join(" ")}
          </Alert>
        )}
        {drillBlocked && (
          <Alert type="warning" header="No drill in DRS for this plan">
            A drill run by DRS would launch into DR instances. Drill it from the app, which suspends launch-into for drills.
          </Alert>
        )}
        <Table
          data-testid="native-steps"
          loading={preview.loading && !p}
          loadingText="Reading the plan"
          items={pub?.steps ?? []}
          trackBy="name"
          header={
            <Header variant="h2" counter={pub ? `(${pub.steps.length})` : undefined} description={pub ? `${serverCount(pub.steps)} server(s) in target "${pub.target}", as DRS recovery plan "${pub.nativeName}"` : undefined}>
              Steps as DRS runs them
            </Header>
          }
          columnDefinitions={[
            { id: "n", header: "#", cell: (s) => (pub?.steps.indexOf(s) ?? 0) + 1, width: 60 },
            { id: "name", header: "Step", cell: (s) => s.name },
            { id: "wave", header: "Wave", cell: (s) => s.wave ?? "—" },
            { id: "does", header: "Does", cell: (s) => stepWords(s) },
          ]}
          empty={<Box color="text-body-secondary">No step: no server of the plan is in its target.</Box>}
        />
        <ColumnLayout columns={2}>
          <Table
            data-testid="native-gaps"
            items={pub?.gaps ?? []}
            loading={preview.loading && !p}
            loadingText="Reading the plan"
            wrapLines
            header={<Header variant="h2" counter={pub ? `(${pub.gaps.length})` : undefined}>What DRS's run does instead</Header>}
            columnDefinitions={[
              { id: "wave", header: "Wave", cell: (g) => g.wave ?? "—" },
              { id: "item", header: "Item", cell: (g) => (g.blocksDrill ? <SpaceBetween direction="horizontal" size="xxs"><span>{g.item}</span><Badge color="red">no DRS drill</Badge></SpaceBetween> : g.item) },
              { id: "app", header: "The app", cell: (g) => g.app },
              { id: "native", header: "DRS's run", cell: (g) => g.native },
            ]}
            empty={<Box color="text-body-secondary">DRS's run does everything the plan says.</Box>}
          />
          <Container header={<Header variant="h2">What an app-driven run adds</Header>} data-testid="native-app-adds">
            <ul>
              {(p?.appAdds ?? []).map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          </Container>
        </ColumnLayout>
      </SpaceBetween>
      <Modal
        visible={confirming}
        onDismiss={() => setConfirming(false)}
        header={`Real recovery of ${name}, run by DRS`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button variant="primary" disabled={typed !== name} onClick={() => void start(false)} loading={busy === "recovery"} data-testid="native-recover-confirm">
                Recover in DRS
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        <SpaceBetween size="s">
          <Box>DRS launches every server of the plan in the recovery region, step by step. This is not a drill.</Box>
          {startError && <Alert type="error">{startError}</Alert>}
          <FormField label={`Type the plan's name (${name}) to confirm`}>
            <Input value={typed} onChange={(e) => setTyped(e.detail.value)} data-testid="native-recover-typed" />
          </FormField>
        </SpaceBetween>
      </Modal>
    </ContentLayout>
  );
}
