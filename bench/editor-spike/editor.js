// The editor Enlist would need, built from CodeMirror 6: line numbers with problem marks, history
// (undo and redo), search (Ctrl+F), selecting a span, and a change listener that hands the text to
// the checker. Bundled by esbuild into one ES module; its size is the spike's size figure.
import { EditorState, RangeSet, StateEffect, StateField } from '@codemirror/state';
import { EditorView, GutterMarker, keymap, lineNumbers, gutter, drawSelection, highlightActiveLine } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { search, searchKeymap } from '@codemirror/search';

class Mark extends GutterMarker {
  constructor(level) { super(); this.level = level; }
  toDOM() { const e = document.createElement('span'); e.className = `mark ${this.level}`; e.textContent = '●'; return e; }
}
const setMarks = StateEffect.define();
const marks = StateField.define({
  create: () => RangeSet.empty,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const effect of tr.effects) if (effect.is(setMarks)) value = effect.value;
    return value;
  },
});

/** Mounts the editor in `parent`; `onChange(text)` runs after every change of the document. */
export function mount(parent, onChange) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        lineNumbers(),
        marks,
        gutter({ class: 'marks', markers: (v) => v.state.field(marks) }),
        history(),
        drawSelection(),
        highlightActiveLine(),
        search(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'Account list' }),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc); }),
      ],
    }),
  });
  return {
    view,
    /** Marks lines (1-based) with a level: `[[3, 'error'], [7, 'warning']]`. */
    mark(lines) {
      const doc = view.state.doc;
      const ranges = lines.filter(([n]) => n <= doc.lines).map(([n, level]) => new Mark(level).range(doc.line(n).from));
      view.dispatch({ effects: setMarks.of(RangeSet.of(ranges, true)) });
    },
    /** Selects `from..to` (UTF-16 offsets) and scrolls it into view. */
    select(from, to) { view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true }); view.focus(); },
  };
}
