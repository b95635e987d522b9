from tests.model.conftest import all_models, history_model, model_of  # noqa: F401
