/** @jsxImportSource preact */
/** A read-only URL field with a Copy button (clipboard API, selection as the fallback). */
import { useRef, useState } from "preact/hooks";

/** Props of {@link CopyField}. */
export interface CopyFieldProps {
  id: string;
  label: string;
  value: string;
}

/** Label, read-only input and Copy button. */
export function CopyField({ id, label, value }: CopyFieldProps) {
  const ref = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("Copied");
    } catch {
      ref.current?.select();
      setCopied("Selected: press Ctrl+C to copy");
    }
    setTimeout(() => setCopied(""), 2500);
  };
  return (
    <div class="copy">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          id={id}
          ref={ref}
          readOnly
          value={value}
          onFocus={(e) => (e.target as HTMLInputElement).select()}
        />
        <button type="button" class="secondary" onClick={copy} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
      <span class="copied" aria-live="polite">{copied}</span>
    </div>
  );
}
