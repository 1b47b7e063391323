# Flex Template launcher image for the Moroccan news security pipeline.
#
# The same image also serves as the workers' SDK container
# (--sdk_container_image), so launcher and workers run identical code and
# dependencies. Build and register it with the commands in README.md
# ("Run on Dataflow"). Beam's SDK version here must match setup.py's pin.
FROM gcr.io/dataflow-templates-base/python311-template-launcher-base:latest AS launcher

FROM apache/beam_python3.11_sdk:2.77.0

# The Flex Template launcher binary, from Google's launcher base image.
COPY --from=launcher /opt/google/dataflow/python_template_launcher /opt/google/dataflow/python_template_launcher

WORKDIR /template
COPY setup.py ./
COPY pipeline ./pipeline
COPY transforms ./transforms
COPY configs ./configs
COPY benchmarks ./benchmarks
COPY deploy/flex_main.py ./flex_main.py

# Install the package (configs, SQL, model and sample site are package data)
# and fail the build early if anything workers need is missing.
RUN pip install --no-cache-dir . \
 && python -c "import pipeline.run, pipeline.streaming, pipeline.warehouse.bigquery_setup, transforms.write_bigquery, configs; \
from pipeline.warehouse.views import view_statements; assert view_statements('bigquery', project='p', dataset='d'); \
from transforms.security_model import load_model; load_model()"

ENV FLEX_TEMPLATE_PYTHON_PY_FILE=/template/flex_main.py
# Workers that do not use this image as their container get the package
# through --setup_file (the launcher passes this path).
ENV FLEX_TEMPLATE_PYTHON_SETUP_FILE=/template/setup.py
# Dependencies are already installed in this image: do not reinstall at launch.
ENV PIP_NO_DEPS=True

ENTRYPOINT ["/opt/google/dataflow/python_template_launcher"]
