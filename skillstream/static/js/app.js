// SkillStream: the menu button, and direct-to-storage uploads with a presigned POST.
(function () {
  "use strict";

  function setupMenu() {
    var button = document.querySelector("[data-menu-button]");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function postToStorage(signed, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(signed.fields).forEach(function (name) { data.append(name, signed.fields[name]); });
      data.append("file", file); // the file must be the last field of an S3 POST
      var xhr = new XMLHttpRequest();
      xhr.open("POST", signed.url);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error("Storage refused the file (HTTP " + xhr.status + ")."));
      };
      xhr.onerror = function () { reject(new Error("The upload was interrupted. Please try again.")); };
      xhr.send(data);
    });
  }

  function setupDirectUpload() {
    var form = document.querySelector("form[data-direct-upload]");
    if (!form) return;
    var fileInput = form.querySelector("input[type=file][name=video_file]");
    var tokenInput = form.querySelector("input[name=upload_token]");
    var status = form.querySelector("[data-upload-status]");
    var progress = form.querySelector("[data-progress]");
    var bar = form.querySelector("[data-progress-bar]");
    var submit = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (tokenInput.value) return; // already uploaded: send the details
      event.preventDefault();
      var file = fileInput.files[0];
      if (!file) { status.textContent = "Choose a video file first."; return; }
      submit.disabled = true;
      status.textContent = "Preparing upload…";
      fetch(form.dataset.signUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify({ filename: file.name, content_type: file.type, size: file.size })
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || "Upload refused.");
          return body;
        });
      }).then(function (signed) {
        progress.hidden = false;
        status.textContent = "Uploading…";
        return postToStorage(signed, file, function (fraction) {
          bar.style.width = Math.round(fraction * 100) + "%";
        }).then(function () { return signed; });
      }).then(function (signed) {
        tokenInput.value = signed.token;
        fileInput.value = ""; // the file is in storage: do not send it through the app
        status.textContent = "Uploaded. Saving details…";
        form.submit();
      }).catch(function (error) {
        status.textContent = error.message;
        submit.disabled = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupDirectUpload();
  });
})();
