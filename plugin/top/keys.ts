import { nextSortKey, type SortKey } from './state.js';

// The live view's keys as a pure function: (state, key, what is on screen) → next state and an effect. The ink
// component only turns terminal input into Keys and dispatches them (TopView.tsx); every rule is tested here as a table.

/** One key press, the part of ink's `useInput` (input, key) the view reads; `input` is one character or empty. */
export interface Key {
  readonly input: string;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
}

/** What the live view remembers between keys. */
export interface ViewState {
  readonly sortKey: SortKey;
  /** The sort order turned round (`r`). */
  readonly reversed: boolean;
  /** The `?` panel shows in place of the table. */
  readonly help: boolean;
  /** The filter applied (empty: none). */
  readonly filter: string;
  /** The filter being typed after `/`; undefined when keys are commands. */
  readonly draft: string | undefined;
  /** Index of the selected row among the rows shown (sorted, filtered). */
  readonly selected: number;
  /** Index of the first row on screen. */
  readonly offset: number;
  /** The replica (row id) whose detail is open; undefined: the table. */
  readonly detail: string | undefined;
}

/** What the reducer must know of the screen: the rows in display order and how many fit. */
export interface Screen {
  readonly ids: readonly string[];
  readonly visible: number;
}

/** Something the view must do beyond showing the new state. */
export type Effect = 'quit';

export interface Transition {
  readonly state: ViewState;
  readonly effect?: Effect;
}

export const INITIAL_VIEW: ViewState = { sortKey: 'name', reversed: false, help: false, filter: '', draft: undefined, selected: 0, offset: 0, detail: undefined };

/**
 * The next state after `key`. Keys (HelpPanel lists them): q quit (in a detail or help: back), s / S next / previous
 * sort column, r reverse, / filter (Enter keeps, Esc clears, Backspace deletes), ? help, ↑ ↓ j k move the selection,
 * PgUp PgDn Home End g G jump it, Enter opens the selected replica's detail, Esc or ← goes back.
 */
export function reduceKey(state: ViewState, key: Key, screen: Screen): Transition {
  if (state.draft !== undefined) return { state: typing(state, key) };
  if (state.detail !== undefined) return { state: inDetail(state, key) };
  if (state.help && (key.escape || key.input === 'q' || key.input === '?')) return { state: { ...state, help: false } };
  const last = Math.max(0, screen.ids.length - 1);
  const page = Math.max(1, screen.visible);
  const select = (index: number): ViewState => follow({ ...state, selected: Math.max(0, Math.min(last, index)) }, screen);
  const at = clampSelection(state, screen).selected;
  if (key.downArrow || key.input === 'j') return { state: select(at + 1) };
  if (key.upArrow || key.input === 'k') return { state: select(at - 1) };
  if (key.pageDown) return { state: select(at + page) };
  if (key.pageUp) return { state: select(at - page) };
  if (key.home || key.input === 'g') return { state: select(0) };
  if (key.end || key.input === 'G') return { state: select(last) };
  if (key.return) {
    const id = screen.ids[at];
    return { state: id === undefined ? state : { ...state, selected: at, detail: id, help: false } };
  }
  // ink marks escape sequences (arrows) as meta; a letter with ctrl or meta is no command.
  if (key.ctrl || key.meta) return { state };
  switch (key.input) {
    case 'q': return { state, effect: 'quit' };
    case '?': return { state: { ...state, help: !state.help } };
    case 's': return { state: { ...state, sortKey: nextSortKey(state.sortKey, 1) } };
    case 'S': return { state: { ...state, sortKey: nextSortKey(state.sortKey, -1) } };
    case 'r': return { state: { ...state, reversed: !state.reversed } };
    case '/': return { state: { ...state, draft: state.filter, help: false } };
    default: return { state };
  }
}

/** Keys while a filter is typed: text goes into it; Enter keeps it, Esc clears it, Backspace deletes a character. */
function typing(state: ViewState, key: Key): ViewState {
  const draft = state.draft ?? '';
  const top = { selected: 0, offset: 0 };
  if (key.return) return { ...state, ...top, filter: draft, draft: undefined };
  if (key.escape) return { ...state, ...top, filter: '', draft: undefined };
  if (key.backspace || key.delete) return { ...state, ...top, draft: draft.slice(0, -1) };
  if (key.ctrl || key.meta || key.input === '') return state;
  return { ...state, ...top, draft: draft + key.input };
}

/** Keys in a replica's detail: Esc, q, ← or Backspace go back to the table; ? toggles help there too. */
function inDetail(state: ViewState, key: Key): ViewState {
  if (key.escape || key.leftArrow || key.backspace || key.input === 'q') return { ...state, detail: undefined, help: false };
  if (key.input === '?') return { ...state, help: !state.help };
  return state;
}

/** The selection within the rows there are (rows may have gone since the last key). */
export function clampSelection(state: ViewState, screen: Screen): ViewState {
  const selected = Math.max(0, Math.min(state.selected, screen.ids.length - 1));
  return selected === state.selected ? state : { ...state, selected };
}

/** The scroll offset that keeps the selection on screen, moving as little as possible. */
function follow(state: ViewState, screen: Screen): ViewState {
  const visible = Math.max(1, screen.visible);
  const maxOffset = Math.max(0, screen.ids.length - visible);
  let offset = Math.min(state.offset, maxOffset);
  if (state.selected < offset) offset = state.selected;
  else if (state.selected >= offset + visible) offset = state.selected - visible + 1;
  return { ...state, offset };
}

/** The state as shown: selection and offset within the rows there are now (a refresh may have removed some). */
export function onScreen(state: ViewState, screen: Screen): ViewState {
  return follow(clampSelection(state, screen), screen);
}
