import type { FlashbarProps } from "@cloudscape-design/components/flashbar";
import { createContext, useCallback, useContext, useState, type ReactNode } from "react";

type Notify = (type: FlashbarProps.Type, content: ReactNode, header?: string) => void;

const FlashContext = createContext<{ items: FlashbarProps.MessageDefinition[]; notify: Notify }>({
  items: [],
  notify: () => {},
});

let counter = 0;

/** Page-level notifications shown in the app layout's Flashbar. */
export function FlashProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<FlashbarProps.MessageDefinition[]>([]);
  const notify = useCallback<Notify>((type, content, header) => {
    const id = `flash-${++counter}`;
    const dismiss = () => setItems((all) => all.filter((i) => i.id !== id));
    setItems((all) => [{ id, type, content, header, dismissible: true, onDismiss: dismiss }, ...all].slice(0, 3));
    if (type === "success") setTimeout(dismiss, 6000);
  }, []);
  return <FlashContext.Provider value={{ items, notify }}>{children}</FlashContext.Provider>;
}

export const useFlash = () => useContext(FlashContext);
