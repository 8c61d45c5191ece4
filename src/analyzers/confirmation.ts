/**
 * How a finding can be confirmed by measurement: the vocabulary between the rules, which declare per
 * message which check their findings admit (`meta.confirmation` in rules/define-rule.ts), and the
 * profiler, which runs the check (profile/confirm-findings.ts, profile/counterfactual.ts). It sits
 * below both because they are siblings that may not import each other; the profiler maps each kind to
 * a procedure and names no rule, so a new rule that declares a kind is confirmed without touching it.
 *
 * Each node-level kind is a counterfactual pair built from the flagged layer's own shapes (analysis):
 * the layer as the model has it against the replacement the finding asks for.
 */
export type ConfirmationKind =
  /** The conv at balanced input and output widths, equal FLOPs (within 2%). */
  | 'balanced-channels'
  /** The grouped conv as a dense one (g = 1) with c_out / g output channels: equal FLOPs on the same input. */
  | 'dense-conv'
  /**
   * The structure block from the finding's `data.entry` tensor to its `data.exit` tensor against one
   * conv of equal FLOPs from the entry to the exit's size; the block's measured time is that of all its kernels.
   */
  | 'merged-block'
  /** The element-wise layer (or the element-wise kernel it ran in) against its producer conv without it. */
  | 'removed-elementwise'
  /** Conv + BatchNormalization against the conv with the BatchNormalization folded into its weights and bias. */
  | 'folded-batchnorm'
  /**
   * A whole-model finding about element-wise work: confirmed when element-wise kernels take a real
   * share of the measured time and a node-level finding of the same rule was confirmed by its pair.
   */
  | 'elementwise-time-share';
