#!/usr/bin/env bash
# Schedule the pipeline: Cloud Scheduler launches the Flex Template.
#
#   PROJECT=my-project REGION=europe-west1 BUCKET=my-bucket DATASET=morocco_news \
#     deploy/cloud_scheduler.sh
#
# Creates (or updates) a job that launches a *batch* run every hour at :05,
# Africa/Casablanca time. For a continuous *streaming* job, launch once
# instead (README.md, "Run on Dataflow"): Scheduler is for batch runs.
# Requires: the template built as in README.md ("Run on Dataflow"), and a service account
# $SA allowed to launch Dataflow jobs (roles/dataflow.developer,
# roles/iam.serviceAccountUser on the worker service account).
set -euo pipefail

: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}" "${DATASET:?set DATASET}"
SA="${SA:-news-scheduler@${PROJECT}.iam.gserviceaccount.com}"
WORKER_SA="${WORKER_SA:-news-worker@${PROJECT}.iam.gserviceaccount.com}"
TEMPLATE="gs://${BUCKET}/templates/morocco-news-security.json"
SCHEDULE="${SCHEDULE:-5 * * * *}"
JOB="${JOB:-morocco-news-hourly}"

BODY=$(cat <<JSON
{
  "launchParameter": {
    "jobName": "morocco-news-batch",
    "containerSpecGcsPath": "${TEMPLATE}",
    "parameters": {
      "warehouse": "bigquery:${PROJECT}.${DATASET}",
      "mode": "batch"
    },
    "environment": {
      "tempLocation": "gs://${BUCKET}/tmp",
      "stagingLocation": "gs://${BUCKET}/staging",
      "serviceAccountEmail": "${WORKER_SA}",
      "maxWorkers": 4
    }
  }
}
JSON
)

URI="https://dataflow.googleapis.com/v1b3/projects/${PROJECT}/locations/${REGION}/flexTemplates:launch"
if gcloud scheduler jobs describe "${JOB}" --location "${REGION}" --project "${PROJECT}" >/dev/null 2>&1; then
  verb=update; headers_flag=--update-headers
else
  verb=create; headers_flag=--headers
fi
gcloud scheduler jobs "${verb}" http "${JOB}" \
  --project "${PROJECT}" --location "${REGION}" \
  --schedule "${SCHEDULE}" --time-zone "Africa/Casablanca" \
  --uri "${URI}" --http-method POST \
  "${headers_flag}" "Content-Type=application/json" \
  --message-body "${BODY}" \
  --oauth-service-account-email "${SA}" \
  --oauth-token-scope "https://www.googleapis.com/auth/cloud-platform"
echo "scheduled ${JOB}: ${SCHEDULE} (Africa/Casablanca) -> ${TEMPLATE}"
