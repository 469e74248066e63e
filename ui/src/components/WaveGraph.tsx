import { Background, Controls, MarkerType, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import "./wave-graph.css";
import dagre from "@dagrejs/dagre";
import { useMemo } from "react";
import type { Wave } from "../types";

const WIDTH = 190;
const HEIGHT = 64;

/** The waves wave `i` waits for: its `dependsOn`, or the wave before it when it says nothing. */
export function dependencies(waves: Wave[], i: number): string[] {
  const own = waves[i]?.dependsOn;
  if (own !== undefined && own !== null) return own;
  return i > 0 ? [waves[i - 1].name] : [];
}

/** Lays the waves out left to right by dependency with dagre. */
export function layoutWaves(waves: Wave[]): { nodes: Node[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  const names = new Set(waves.map((w) => w.name));
  waves.forEach((_, i) => g.setNode(`w${i}`, { width: WIDTH, height: HEIGHT }));
  const index = new Map(waves.map((w, i) => [w.name, i]));
  const edges: Edge[] = [];
  waves.forEach((_, i) => {
    for (const dep of dependencies(waves, i)) {
      const j = index.get(dep);
      if (j === undefined || !names.has(dep)) continue;
      g.setEdge(`w${j}`, `w${i}`);
      edges.push({
        id: `e${j}-${i}`,
        source: `w${j}`,
        target: `w${i}`,
        markerEnd: { type: MarkerType.ArrowClosed },
        animated: false,
        style: { strokeWidth: 2, stroke: "#0972d3" },
      });
    }
  });
  dagre.layout(g);
  const nodes: Node[] = waves.map((w, i) => {
    const n = g.node(`w${i}`);
    return {
      id: `w${i}`,
      position: { x: (n?.x ?? 0) - WIDTH / 2, y: (n?.y ?? 0) - HEIGHT / 2 },
      data: {
        label: (
          <div style={{ fontSize: 12, lineHeight: 1.3 }}>
            <b>
              {i + 1}. {w.name || "(unnamed)"}
            </b>
            <div>{w.groups.length ? w.groups.join(", ") : "no groups"}</div>
            {w.approvalRequired && <div>⏸ approval</div>}
          </div>
        ),
      },
      style: { width: WIDTH, border: "1px solid #0972d3", borderRadius: 8, background: "#f2f8fd" },
      draggable: false,
      connectable: false,
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
    };
  });
  return { nodes, edges };
}

/** The waves' dependency graph (read-only). */
export function WaveGraph({ waves }: { waves: Wave[] }) {
  const { nodes, edges } = useMemo(() => layoutWaves(waves), [waves]);
  return (
    <div className="wave-graph" style={{ height: 320, border: "1px solid #e9ebed", borderRadius: 8 }} data-testid="wave-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
