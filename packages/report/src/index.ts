// @gazecoder/report: gazecoder's result files — a self-contained HTML report with training curves,
// agreement and classification results, and JSON results — written atomically.

export type { ReportData, TrainingHistory, EpochRecord, StepRecord, AgreementReport, VideoAgreement, VideoScores, ClassificationReport } from './report-data';
export { renderReport } from './render-report';
export { writeReport, writeJsonFile, toJson } from './output-files';
export { readTrainingHistory, parseTrainingMetrics, METRICS_FILE } from './training-history';
