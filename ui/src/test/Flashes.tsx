import { useFlash } from "../components/flash";

/** Renders the page-level flash messages as text, for tests to find. */
export function Flashes() {
  const { items } = useFlash();
  return (
    <div data-testid="flashes">
      {items.map((i) => (
        <div key={i.id}>
          {i.header} {i.content}
        </div>
      ))}
    </div>
  );
}
