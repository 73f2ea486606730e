//! What a tuning writes: `trials.csv`, `pareto.csv` and its chart, `best.toml` and
//! the manifest.

use super::*;

impl Tuner<'_> {
    /// The objective columns of `trials.csv` and `pareto.csv`.
    fn objective_columns(&self) -> Vec<String> {
        if self.spec.objectives.len() > 1 {
            vec!["objective_1".into(), "objective_2".into()]
        } else {
            vec!["objective".into()]
        }
    }

    /// The header of a table of candidates: `first`, the variables, replications,
    /// objectives, and each constraint's mean and bound.
    fn candidate_header(&self, first: &[&str]) -> Vec<String> {
        let mut header: Vec<String> = first.iter().map(|s| s.to_string()).collect();
        header.extend(self.spec.variables.iter().map(|v| v.path.clone()));
        header.push("replications".into());
        header.extend(self.objective_columns());
        for c in &self.spec.constraints {
            header.push(format!("{}_mean", c.metric));
            header.push(format!("{}_bound", c.metric));
        }
        header
    }

    /// Candidate `c`'s values, as written in the scenario.
    pub(super) fn labels(&self, c: usize) -> Vec<String> {
        self.values(&self.cands[c].x)
            .iter()
            .map(|(_, v)| crate::scenario::label(v))
            .collect()
    }

    /// Candidate `c`'s cells after `n` replications assessed as `a`.
    fn row_cells(&self, c: usize, n: usize, a: &Assessment) -> Vec<String> {
        let mut cells = self.labels(c);
        cells.push(n.to_string());
        cells.extend(a.objectives.iter().map(|v| fmt(*v)));
        for (m, b) in &a.constraints {
            cells.extend([fmt(*m), fmt(*b)]);
        }
        cells
    }

    /// `trials.csv`: one row per evaluation round.
    pub(super) fn write_trials(&self, out: &Path) -> Result<PathBuf, SweepError> {
        let mut header = self.candidate_header(&["trial", "candidate", "phase"]);
        header.push("feasible".into());
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).expect("memory");
        for (i, &(c, phase, n)) in self.log.iter().enumerate() {
            let cand = &self.cands[c];
            let a = assess_rows(self.study, self.spec, &cand.x, &cand.rows[..n]);
            let mut cells = vec![i.to_string(), c.to_string(), phase.to_string()];
            cells.extend(self.row_cells(c, n, &a));
            cells.push(u8::from(a.feasible).to_string());
            w.write_record(&cells).expect("memory");
        }
        let path = out.join("trials.csv");
        output::write_atomic(&path, &w.into_inner().expect("memory"))
            .map_err(|e| io_err(&path, e))?;
        Ok(path)
    }

    /// The Pareto front: the feasible candidates no other one dominates, with their
    /// values and assessments.
    pub(super) fn front_out(&self) -> Vec<(Vec<String>, Assessment)> {
        self.front()
            .into_iter()
            .map(|c| (self.labels(c), self.assess(c)))
            .collect()
    }

    /// `pareto.csv` and its chart.
    pub(super) fn write_front(
        &self,
        out: &Path,
        front: &[(Vec<String>, Assessment)],
    ) -> Result<Vec<PathBuf>, SweepError> {
        let header = self.candidate_header(&["candidate"]);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).expect("memory");
        for c in self.front() {
            let a = self.assess(c);
            let mut cells = vec![c.to_string()];
            cells.extend(self.row_cells(c, self.cands[c].rows.len(), &a));
            w.write_record(&cells).expect("memory");
        }
        let path = out.join("pareto.csv");
        output::write_atomic(&path, &w.into_inner().expect("memory"))
            .map_err(|e| io_err(&path, e))?;
        let mut files = vec![path];
        let feasible: Vec<(f64, f64)> = (0..self.cands.len())
            .filter(|&c| !self.cands[c].rows.is_empty())
            .map(|c| self.assess(c))
            .filter(|a| a.feasible)
            .map(|a| (a.objectives[0], a.objectives[1]))
            .collect();
        let on_front: Vec<(f64, f64)> = front
            .iter()
            .map(|(_, a)| (a.objectives[0], a.objectives[1]))
            .collect();
        let o = &self.spec.objectives;
        files.extend(
            crate::report::sweep::pareto_chart(
                out,
                &o[0].describe(),
                &o[1].describe(),
                &feasible,
                &on_front,
            )
            .map_err(|e| SweepError::Io(e.to_string()))?,
        );
        Ok(files)
    }

    /// `best.toml`: the scenario with candidate `c`'s values, and why it was chosen.
    pub(super) fn write_best(&self, out: &Path, c: usize) -> Result<PathBuf, SweepError> {
        let (study, spec) = (self.study, self.spec);
        let values = self.values(&self.cands[c].x);
        let a = self.assess(c);
        let mut text = format!(
            "# Chosen by `citysim tune` from {} ({} runs, {} candidates).\n# {} = {}\n",
            study.source_name(),
            self.runs,
            self.cands.len(),
            spec.objectives[0].describe(),
            fmt(a.objectives[0])
        );
        for (con, (m, b)) in spec.constraints.iter().zip(&a.constraints) {
            text.push_str(&format!(
                "# {}: mean {}, 95% bound {}\n",
                con.text,
                fmt(*m),
                fmt(*b)
            ));
        }
        for (p, n) in &values {
            text.push_str(&format!("# {p} = {}\n", crate::scenario::label(n)));
        }
        text.push_str(&study.scenario_text(&values)?);
        let path = out.join("best.toml");
        output::write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))?;
        Ok(path)
    }

    /// The tuning's `manifest.json`.
    pub(super) fn write_manifest(
        &self,
        out: &Path,
        method: Method,
        feasible: bool,
    ) -> Result<PathBuf, SweepError> {
        let spec = self.spec;
        let manifest = serde_json::json!({
            "citysim_version": env!("CARGO_PKG_VERSION"),
            "kind": "tune",
            "source": self.study.source_name(),
            "method": format!("{method:?}").to_lowercase(),
            "runs": self.runs,
            "candidates": self.cands.len(),
            "objectives": spec.objectives.iter().map(|o| o.describe()).collect::<Vec<_>>(),
            "constraints": spec.constraints.iter().map(|c| c.text.clone()).collect::<Vec<_>>(),
            "feasible_found": feasible,
        });
        let path = out.join("manifest.json");
        let mut text = serde_json::to_string_pretty(&manifest).expect("plain JSON");
        text.push('\n');
        output::write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))?;
        Ok(path)
    }
}
