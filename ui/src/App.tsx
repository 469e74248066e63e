import AppLayout from "@cloudscape-design/components/app-layout";
import Badge from "@cloudscape-design/components/badge";
import Flashbar from "@cloudscape-design/components/flashbar";
import SideNavigation from "@cloudscape-design/components/side-navigation";
import TopNavigation from "@cloudscape-design/components/top-navigation";
import { useEffect } from "react";
import { Outlet, RouterProvider, createHashRouter, useLocation, useNavigate, type RouteObject } from "react-router-dom";
import { backend } from "./backend";
import { FlashProvider, useFlash } from "./components/flash";
import { IdentityProvider, identityLabel, useIdentity } from "./components/identity";
import { useLoad } from "./components/useLoad";
import { DashboardPage } from "./pages/DashboardPage";
import { ExecutionView } from "./pages/ExecutionView";
import { ExecutionsPage } from "./pages/ExecutionsPage";
import { GroupEditor } from "./pages/GroupEditor";
import { GroupsPage } from "./pages/GroupsPage";
import { InventoryPage } from "./pages/InventoryPage";
import { LaterPage } from "./pages/LaterPage";
import { LifecyclePage } from "./pages/LifecyclePage";
import { NativePage } from "./pages/NativePage";
import { MonitoringPage } from "./pages/MonitoringPage";
import { PlanEditor } from "./pages/PlanEditor";
import { PairsPage } from "./pages/PairsPage";
import { PlansPage } from "./pages/PlansPage";
import { GroupLaunchPage } from "./pages/GroupLaunchPage";
import { ReadinessPage } from "./pages/ReadinessPage";
import { ReportsPage } from "./pages/ReportsPage";
import { SettingsPage } from "./pages/SettingsPage";
import { TargetsPage } from "./pages/TargetsPage";

const NAV = [
  { type: "link", text: "Dashboard", href: "/" },
  { type: "link", text: "Recovery plans", href: "/plans" },
  { type: "link", text: "Protection groups", href: "/groups" },
  { type: "link", text: "Targets", href: "/targets" },
  { type: "link", text: "Inventory", href: "/inventory" },
  { type: "link", text: "Pairs", href: "/pairs" },
  { type: "link", text: "Executions", href: "/executions" },
  { type: "link", text: "Reports", href: "/reports" },
  { type: "link", text: "Monitoring", href: "/monitoring" },
  { type: "divider" },
  { type: "link", text: "Settings", href: "/settings" },
] as const;

function Shell() {
  const navigate = useNavigate();
  const location = useLocation();
  const { items, notify } = useFlash();
  const info = useLoad(() => backend.appInfo());
  const identity = useIdentity();
  const targets = useLoad(() => backend.targets());
  const activeCheck = identity.active ? identity.checks[identity.active] : undefined;
  const section = "/" + (location.pathname.split("/")[1] ?? "");
  // Executions whose process ended (a crash, a kill, a closed lid) are not resumed behind
  // anyone's back: say so once, and let a person resume them from their page.
  useEffect(() => {
    backend
      .orphanedExecutions()
      .then(
        (list) =>
          list.length &&
          notify("info", `${list.length} execution(s) have no running engine (${list.map((o) => o.id).join(", ")}): open them under Executions to resume.`),
      )
      .catch(() => {});
    // Once, when the window opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <>
      <div id="top-nav" style={{ position: "sticky", top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: "#/", title: "DRS Orchestrator", onFollow: (e) => (e.preventDefault(), navigate("/")) }}
          utilities={[
            {
              type: "menu-dropdown",
              text: identityLabel(identity.active, activeCheck),
              description:
                activeCheck?.state === "ok"
                  ? `AWS identity: ${activeCheck.arn}`
                  : activeCheck?.state === "failed"
                    ? activeCheck.message
                    : "The AWS identity the app acts as",
              iconName: activeCheck?.state === "failed" ? "status-warning" : "key",
              ariaLabel: "AWS identity the app acts as",
              items: [
                ...(targets.data ?? []).map((t) => ({
                  id: `use:${t.name}`,
                  text: t.name,
                  description: `${t.accountId} · ${t.recoveryRegion}`,
                  iconName: t.name === identity.active ? ("check" as const) : undefined,
                })),
                { id: "manage", text: "Manage targets…" },
              ],
              onItemClick: (e) => {
                if (e.detail.id === "manage") navigate("/targets");
                else identity.choose(e.detail.id.slice("use:".length));
              },
              onItemFollow: (e) => e.preventDefault(),
            },
            {
              type: "button",
              text: info.data ? `Edits recorded as ${info.data.actor}` : "…",
              iconName: "user-profile",
              ariaLabel: "Who edits are recorded as",
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide
        notifications={<Flashbar items={items} stackItems />}
        navigation={
          <SideNavigation
            header={{ text: "Disaster recovery", href: "/" }}
            activeHref={section}
            items={NAV.map((n) => ({ ...n })) as never}
            onFollow={(e) => {
              e.preventDefault();
              navigate(e.detail.href);
            }}
          />
        }
        content={<Outlet />}
      />
      {info.data?.storeError && (
        <div style={{ position: "fixed", bottom: 8, right: 8 }}>
          <Badge color="red">Database unavailable</Badge>
        </div>
      )}
    </>
  );
}

/** Every page, under the shell (navigation, header, notifications). */
export const routes: RouteObject[] = [
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: "plans", element: <PlansPage /> },
      { path: "plans/new", element: <PlanEditor /> },
      { path: "plans/edit/:name", element: <PlanEditor /> },
      { path: "groups", element: <GroupsPage /> },
      { path: "groups/new", element: <GroupEditor /> },
      { path: "groups/edit/:name", element: <GroupEditor /> },
      { path: "groups/launch/:name", element: <GroupLaunchPage /> },
      { path: "plans/readiness/:name", element: <ReadinessPage /> },
      { path: "plans/lifecycle/:name", element: <LifecyclePage /> },
      { path: "plans/native/:name", element: <NativePage /> },
      { path: "pairs", element: <PairsPage /> },
      { path: "targets", element: <TargetsPage /> },
      { path: "inventory", element: <InventoryPage /> },
      { path: "executions", element: <ExecutionsPage /> },
      { path: "executions/:id", element: <ExecutionView /> },
      { path: "reports", element: <ReportsPage /> },
      { path: "monitoring", element: <MonitoringPage /> },
      { path: "settings", element: <SettingsPage /> },
      { path: "*", element: <LaterPage title="Page not found" what="There is nothing at this address." when="" /> },
    ],
  },
];

const router = createHashRouter(routes);

export function App() {
  return (
    <FlashProvider>
      <IdentityProvider>
        <RouterProvider router={router} />
      </IdentityProvider>
    </FlashProvider>
  );
}
