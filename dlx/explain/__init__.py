"""Explanations of trained models: LIME, gradients, feature visualisation, effects, examples.

Every method takes an ``ExplainTarget`` (a model seen from its raw input) and
returns an ``Explanation``; ``write_explanation`` saves its pictures and JSON,
``build_report`` gathers explanation folders into one HTML page. Importing this
package registers the methods in ``dlx.registry.explainers``.
"""
from dlx.explain.anchors import anchors
from dlx.explain.attacks import adversarial_patch, fgsm
from dlx.explain.base import Explanation, check_applies, describe_explainer, write_explanation
from dlx.explain.counterfactual import counterfactual
from dlx.explain.effects import accumulated_local_effects, partial_dependence
from dlx.explain.examples import mmd_critic, nearest_neighbours
from dlx.explain.featvis import activation_maximisation, feature_visualisation
from dlx.explain.fidelity import infidelity, sensitivity_max
from dlx.explain.gradcam import grad_cam
from dlx.explain.gradients import integrated_gradients, occlusion, saliency
from dlx.explain.influence import influential_instances
from dlx.explain.intrinsic import linear_weights, tree_rules
from dlx.explain.lime import lime, lime_image, lime_tabular
from dlx.explain.onepixel import one_pixel_attack, one_pixel_success_rate
from dlx.explain.permutation import permutation_importance
from dlx.explain.quality import deletion_curve, randomisation_check, rank_correlation
from dlx.explain.run import explain_to_folder, run_method
from dlx.explain.shapley import kernel_shap
from dlx.explain.smooth import gradient_x_input, smoothgrad
from dlx.explain.text_methods import integrated_gradients_text, lime_text_method, occlusion_text
from dlx.explain.attention import attention  # noqa: F401  (registers the attention explainer)
from dlx.explain.target import ExplainTarget, affine_preprocess, check_index, target_for_model

__all__ = ["ExplainTarget", "Explanation", "accumulated_local_effects", "activation_maximisation",
           "adversarial_patch", "anchors", "affine_preprocess", "check_applies", "check_index", "counterfactual",
           "deletion_curve", "describe_explainer", "explain_to_folder", "feature_visualisation", "fgsm",
           "grad_cam", "gradient_x_input", "infidelity", "influential_instances", "integrated_gradients",
           "kernel_shap", "lime", "lime_image", "lime_tabular", "linear_weights", "mmd_critic", "nearest_neighbours",
           "occlusion", "one_pixel_attack", "permutation_importance", "sensitivity_max", "smoothgrad",
           "one_pixel_success_rate", "partial_dependence", "randomisation_check", "rank_correlation", "run_method",
           "saliency", "target_for_model", "tree_rules", "write_explanation"]
