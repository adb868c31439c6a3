// The scripts `kubectl inference completion bash|zsh|fish` prints. Each asks `kubectl-inference __complete WORDS…`
// (the answer kubectl_complete-inference gives kubectl: complete.ts) and hands the candidates to the shell, the way
// cobra's generated scripts do, so one engine serves the three shells and kubectl's own plugin completion.
// They complete the `kubectl-inference` command; `kubectl inference …` completes through kubectl's completion once
// kubectl_complete-inference is on PATH (kubectl ≥ 1.26).

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

// bash: the words come from COMP_LINE up to the cursor, split on blanks, so `--output=ya` stays one word; bash's
// readline replaces only the text after the last COMP_WORDBREAKS character (`=` and `:` by default), so that part of
// the word is cut off every candidate (what bash-completion's __ltrim_colon_completions does for `:`).
const BASH = String.raw`# bash completion for kubectl-inference (kubectl inference completion bash)
_kubectl_inference() {
  local line="\${COMP_LINE:0:COMP_POINT}" out directive cur head c
  local -a words candidates
  read -r -a words <<<"$line"
  [[ -z "$line" || "$line" == *[[:blank:]] ]] && words+=("")
  cur="\${words[\${#words[@]}-1]}"
  out="$(kubectl-inference __complete "\${words[@]:1}" 2>/dev/null)" || return 0
  directive="\${out##*:}"
  (( directive & 1 )) && return 0
  head="\${cur%"\${cur##*[=:]}"}"
  COMPREPLY=()
  while IFS=$'\t' read -r c _; do
    [[ -z "$c" || "$c" == :* ]] && continue
    COMPREPLY+=("\${c#"$head"}")
  done <<<"$out"
  (( directive & 2 )) && compopt -o nospace 2>/dev/null
  if (( \${#COMPREPLY[@]} == 0 )) && (( (directive & 4) == 0 )); then
    compopt -o default 2>/dev/null
  fi
  return 0
}
complete -F _kubectl_inference kubectl-inference
`;

const ZSH = String.raw`#compdef kubectl-inference
# zsh completion for kubectl-inference (kubectl inference completion zsh)
_kubectl_inference() {
  local -a lines described
  local out directive line
  out="$(kubectl-inference __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)" || return 1
  lines=("\${(@f)out}")
  directive="\${lines[-1]#:}"
  (( directive & 1 )) && return 1
  for line in "\${(@)lines[1,-2]}"; do
    described+=("\${line//:/\\:}")
  done
  described=("\${(@)described//$'\t'/:}")
  if (( \${#described} > 0 )); then
    if (( directive & 2 )); then _describe 'kubectl-inference' described -S ''; else _describe 'kubectl-inference' described; fi
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ "$funcstack[1]" == _kubectl_inference ]]; then _kubectl_inference "$@"; else compdef _kubectl_inference kubectl-inference; fi
`;

const FISH = String.raw`# fish completion for kubectl-inference (kubectl inference completion fish)
function __kubectl_inference_complete
  set -l args (commandline -opc)[2..-1] (commandline -ct)
  kubectl-inference __complete $args 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-inference -f -a '(__kubectl_inference_complete)'
`;

/** The completion script for one shell. */
export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell].replaceAll('\\${', '${');
}
