npm create -y tauri-app@latest -- my-app --template vanilla-ts --manager npm --yes
cd my-app
npm install
