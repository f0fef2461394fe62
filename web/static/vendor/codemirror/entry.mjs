// Input of the vendored CodeMirror bundle (scripts/vendor-assets.sh bundles it with esbuild
// into codemirror-sparql.js, one self-contained file that exposes `window.NinekCM`).
// Only re-exports: the workbench's own code is web/static/js/workbench.js.
export { EditorState } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
export {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput,
} from "@codemirror/language";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
