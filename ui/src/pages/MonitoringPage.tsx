import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useEffect, useMemo, useState } from "react";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { EmptyState, ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { MonitoringChange, MonitoringOutcome } from "../types";

/** The comma- or space-separated addresses typed, trimmed, without empties. */
export function parseEmails(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/** What kind of resource a change touches, for the table's first column. */
export function changeResource(c: MonitoringChange): string {
  switch (c.kind) {
    case "createTopic":
    case "deleteTopic":
      return "SNS topic";
    case "subscribe":
    case "unsubscribe":
      return "E-mail subscription";
    case "putRule":
    case "deleteRule":
      return "EventBridge rule";
    case "putAlarm":
    case "deleteAlarms":
      return "CloudWatch alarm";
  }
}

/**
 * Always-on monitoring in a target's own account: the team's alert topic, DRS's events routed to
 * it, a lag alarm per replicating server — shown against what the account holds, deployed,
 * brought back when it drifts, removed, or exported as a CloudFormation template.
 */
export function MonitoringPage() {
  const { notify } = useFlash();
  const targets = useLoad(() => backend.targets());
  const [target, setTarget] = useState<string>();
  const [emailText, setEmailText] = useState("");
  const [asked, setAsked] = useState<string[]>([]);
  const [filter, setFilter] = useState("");
  const [busy, setBusy] = useState<"deploy" | "remove" | "template">();
  const [confirm, setConfirm] = useState<"deploy" | "remove">();
  const [outcome, setOutcome] = useState<MonitoringOutcome>();

  useEffect(() => {
    if (!target && targets.data && targets.data.length > 0) setTarget(targets.data[0].name);
  }, [target, targets.data]);

  const status = useLoad(
    () => (target ? backend.monitoringStatus(target, asked) : Promise.resolve(undefined)),
    [target, asked.join(",")],
  );
  const s = status.data;
  const rows = useMemo(() => {
    if (!s) return [];
    const f = filter.toLowerCase();
    return s.changes
      .map((c, i) => ({ change: c, words: s.words[i] ?? c.kind }))
      .filter((r) => !f || r.words.toLowerCase().includes(f) || changeResource(r.change).toLowerCase().includes(f));
  }, [s, filter]);

  const act = async (what: "deploy" | "remove") => {
    if (!target) return;
    setConfirm(undefined);
    setBusy(what);
    try {
      const o = what === "deploy" ? await backend.monitoringDeploy(target, asked) : await backend.monitoringRemove(target);
      setOutcome(o);
      if (o.failed) notify("error", o.failed, what === "deploy" ? "Monitoring partly deployed" : "Monitoring partly removed");
      else
        notify(
          "success",
          `${o.done.length} change(s) made in the account.`,
          what === "deploy" ? "Monitoring deployed" : "Monitoring removed",
        );
      status.setData(o.after);
    } catch (e) {
      notify("error", toBackendError(e).message, what === "deploy" ? "Monitoring not deployed" : "Monitoring not removed");
    } finally {
      setBusy(undefined);
    }
  };

  const saveTemplate = async () => {
    if (!target) return;
    setBusy("template");
    try {
      const path = await backend.monitoringTemplate(target, asked);
      if (path) notify("success", path, "CloudFormation template saved");
    } catch (e) {
      notify("error", toBackendError(e).message, "Template not saved");
    } finally {
      setBusy(undefined);
    }
  };

  if (targets.error) return <ErrorState error={targets.error} onRetry={targets.reload} />;
  const deployed = !!s?.observed.topicArn;
  const inPlace = !!s && deployed && s.changes.length === 0;
  const nothingDeployed = !!s && !deployed && s.observed.rules.length === 0 && s.observed.alarms.length === 0;
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Alerts that reach the team while the laptop is closed: an SNS topic with the team's e-mail subscriptions, EventBridge rules for DRS's own events, and a CloudWatch alarm on each replicating server's lag, all in the target's own account and tagged as the app's."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="refresh" onClick={() => void status.reload()} loading={status.loading} disabled={!target}>
                Refresh
              </Button>
              <Button onClick={() => void saveTemplate()} loading={busy === "template"} disabled={!target}>
                Save as CloudFormation…
              </Button>
              <Button
                onClick={() => setConfirm("remove")}
                disabled={!s || nothingDeployed || !!busy}
                loading={busy === "remove"}
                data-testid="monitoring-remove"
              >
                Remove…
              </Button>
              <Button
                variant="primary"
                onClick={() => setConfirm("deploy")}
                disabled={!s || s.changes.length === 0 || !!busy}
                loading={busy === "deploy"}
                data-testid="monitoring-deploy"
              >
                {deployed ? "Bring up to date…" : "Deploy…"}
              </Button>
            </SpaceBetween>
          }
        >
          Monitoring
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Target and recipients</Header>}>
          <ColumnLayout columns={2}>
            <FormField label="Target" description="The account and recovery region the monitoring lives in.">
              <Select
                selectedOption={target ? { value: target, label: target } : null}
                options={(targets.data ?? []).map((t) => ({ value: t.name, label: t.name, description: `${t.accountId} · ${t.recoveryRegion}` }))}
                onChange={(e) => {
                  setOutcome(undefined);
                  setTarget(e.detail.selectedOption.value);
                }}
                placeholder={targets.loading ? "Loading targets…" : "Choose a target"}
                empty="No targets: add one under Targets"
                ariaLabel="Target"
              />
            </FormField>
            <FormField
              label="E-mail recipients"
              description="Subscribed to the alert topic (each confirms by e-mail). Leave empty to keep the addresses already subscribed."
            >
              <SpaceBetween direction="horizontal" size="xs">
                <Input
                  value={emailText}
                  onChange={(e) => setEmailText(e.detail.value)}
                  placeholder="ops@example.com, dr-team@example.com"
                  ariaLabel="E-mail recipients"
                />
                <Button onClick={() => setAsked(parseEmails(emailText))} disabled={!target}>
                  Apply
                </Button>
              </SpaceBetween>
            </FormField>
          </ColumnLayout>
        </Container>

        {status.error ? (
          <ErrorState error={status.error} onRetry={status.reload} />
        ) : !target ? (
          <EmptyState title="No target">Add a target under Targets to monitor its servers.</EmptyState>
        ) : status.loading && !s ? (
          <Loading what="the source servers and what the account holds" />
        ) : s ? (
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">In the account</Header>} data-testid="monitoring-summary">
              <ColumnLayout columns={4} variant="text-grid">
                <div>
                  <Box variant="awsui-key-label">State</Box>
                  {inPlace ? (
                    <StatusIndicator type="success">Deployed and in place</StatusIndicator>
                  ) : deployed ? (
                    <StatusIndicator type="warning">{s.changes.length} change(s) from what it should be</StatusIndicator>
                  ) : (
                    <StatusIndicator type="stopped">Not deployed</StatusIndicator>
                  )}
                </div>
                <div>
                  <Box variant="awsui-key-label">Alert topic</Box>
                  {s.observed.topicArn ?? s.desired.topic}
                  <Box variant="small">
                    {s.observed.subscriptions.length} subscription(s)
                    {s.observed.subscriptions.some(([, arn]) => arn === "PendingConfirmation") ? ", some awaiting confirmation" : ""}
                  </Box>
                </div>
                <div>
                  <Box variant="awsui-key-label">DRS event rules</Box>
                  {s.observed.rules.length} of {s.desired.rules.length}
                </div>
                <div>
                  <Box variant="awsui-key-label">Lag alarms</Box>
                  {s.observed.alarms.length} of {s.desired.alarms.length}
                  {s.desired.alarms[0] && <Box variant="small">above {s.desired.alarms[0].thresholdSeconds} s (the target's critical lag)</Box>}
                </div>
              </ColumnLayout>
            </Container>
            {outcome?.failed && (
              <Alert type="error" header="Stopped at a change AWS refused">
                {outcome.failed}
              </Alert>
            )}
            <Table
              data-testid="monitoring-changes"
              header={
                <Header variant="h2" counter={`(${s.changes.length})`} description="What a deploy would change, one by one; drift made in the console shows here.">
                  Changes
                </Header>
              }
              items={rows}
              columnDefinitions={[
                { id: "resource", header: "Resource", cell: (r) => changeResource(r.change), sortingField: "resource" },
                { id: "words", header: "Change", cell: (r) => r.words },
              ]}
              filter={<TextFilter filteringText={filter} onChange={(e) => setFilter(e.detail.filteringText)} filteringPlaceholder="Find changes" />}
              empty={
                <Box textAlign="center" color="inherit">
                  {inPlace ? "Deployed and in place: nothing to change." : "No change matches."}
                </Box>
              }
              variant="container"
              wrapLines
            />
          </SpaceBetween>
        ) : null}
      </SpaceBetween>

      <Modal
        visible={!!confirm}
        onDismiss={() => setConfirm(undefined)}
        header={confirm === "remove" ? "Remove the monitoring?" : "Deploy the monitoring?"}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirm(undefined)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={() => confirm && void act(confirm)} data-testid="monitoring-confirm">
                {confirm === "remove" ? "Remove" : `Make ${s?.changes.length ?? 0} change(s)`}
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        {confirm === "remove" ? (
          <SpaceBetween size="s">
            <Box>
              Everything the app made in {target}'s account is deleted: the alert topic and its subscriptions,{" "}
              {s?.observed.rules.length ?? 0} EventBridge rule(s) and {s?.observed.alarms.length ?? 0} CloudWatch alarm(s). Nothing
              else is touched.
            </Box>
          </SpaceBetween>
        ) : (
          <SpaceBetween size="s">
            <Box>These changes are made in {target}'s account, in this order, and audited:</Box>
            <ul>
              {(s?.words ?? []).slice(0, 12).map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
            {(s?.words.length ?? 0) > 12 && <Box variant="small">… and {(s?.words.length ?? 0) - 12} more.</Box>}
          </SpaceBetween>
        )}
      </Modal>
    </ContentLayout>
  );
}
