/** Page visibility, as the token manager needs it; tests pass their own. */
export interface VisibilitySource {
  isVisible(): boolean;
  onVisible(callback: () => void): () => void;
}

/** The document's visibility; outside a browser (server rendering, Node) always visible. */
export function documentVisibility(): VisibilitySource {
  if (typeof document === "undefined")
    return { isVisible: () => true, onVisible: () => () => undefined };
  return {
    isVisible: () => document.visibilityState !== "hidden",
    onVisible(callback) {
      const listener = () => {
        if (document.visibilityState === "visible") callback();
      };
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
  };
}
