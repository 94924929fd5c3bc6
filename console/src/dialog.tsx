/** @jsxImportSource preact */
/** A modal built on the native <dialog> (focus kept inside, Escape closes, focus returns). */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Props of {@link Modal}. */
export interface ModalProps {
  id: string;
  title: string;
  open: boolean;
  onClose(): void;
  children: ComponentChildren;
}

/** A modal dialog; `open` drives showModal()/close(). */
export function Modal({ id, title, open, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class="modal" aria-labelledby={`${id}-title`} onClose={onClose}>
      <h2 id={`${id}-title`}>{title}</h2>
      {open && children}
    </dialog>
  );
}
